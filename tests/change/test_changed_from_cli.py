"""``gitops-validator targets --changed-from REF``: the affected targets and why, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.change.affected_repo import GitRepo
from tests.change.test_affected import CM, PATCH
from tests.cli.test_targets_cli import invoke


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("apps/base/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    repo.write("apps/base/deploy.yaml", CM.format(name="shared", value=1))
    for overlay in ("dev", "prod"):
        repo.write(f"apps/{overlay}/kustomization.yaml",
                   "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n")
        repo.write(f"apps/{overlay}/patch.yaml", PATCH.format(value=overlay))
    repo.write("README.md", "# repo\n")
    repo.commit("base")
    return repo


def test_text_names_each_target_and_the_file_that_made_it_affected(repo: GitRepo) -> None:
    repo.write("apps/base/deploy.yaml", CM.format(name="shared", value=2))
    repo.write("README.md", "# changed\n")
    code, out, err = invoke("targets", "--changed-from", "HEAD", cwd=repo.root)
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        "affected targets (2):",
        "  kustomize apps/dev",
        "            reads apps/base/deploy.yaml",
        "  kustomize apps/prod",
        "            reads apps/base/deploy.yaml",
        "changed files no target reads (1):",
        "  README.md"]
    assert out.startswith("changed since ")
    assert out.splitlines()[0].endswith(": 2 files")


def test_json_lists_targets_sides_causes_and_changed_files(repo: GitRepo) -> None:
    repo.remove("apps/prod")
    repo.write("apps/dev/patch.yaml", PATCH.format(value="new"))
    base = repo.git("rev-parse", "HEAD").strip()
    code, out, _ = invoke("targets", "--changed-from", "main", "-o", "json", cwd=repo.root)
    assert code == 0
    document = json.loads(out)
    assert document["base"] == base
    assert document["head"] == "WORKTREE"
    assert not document["full"]
    assert [(t["name"], t["side"], [c["path"] for c in t["causes"]])
            for t in document["targets"]] == [
        ("apps/dev", "both", ["apps/dev/patch.yaml"]),
        ("apps/prod", "base", ["apps/prod/kustomization.yaml", "apps/prod/patch.yaml"])]
    assert [[c["status"] for c in t["causes"]] for t in document["targets"]] == [
        ["modified"], ["deleted", "deleted"]]
    assert {(c["path"], c["status"]) for c in document["changed"]} == {
        ("apps/dev/patch.yaml", "modified"), ("apps/prod/kustomization.yaml", "deleted"),
        ("apps/prod/patch.yaml", "deleted")}


def test_paths_keep_the_targets_under_them_or_reading_from_them(repo: GitRepo) -> None:
    repo.write("apps/base/deploy.yaml", CM.format(name="shared", value=2))
    code, out, _ = invoke("targets", "apps/dev", "--changed-from", "HEAD", "-o", "json",
                          cwd=repo.root)
    assert code == 0
    assert [t["name"] for t in json.loads(out)["targets"]] == ["apps/dev"]


def test_a_config_change_is_a_full_check(repo: GitRepo) -> None:
    repo.write(".gitops-validator.yaml", "ignore: []\n")
    code, out, _ = invoke("targets", "--changed-from", "HEAD", cwd=repo.root)
    assert code == 0
    assert "full check: trusted paths changed (.gitops-validator.yaml)" in out
    assert "affected targets (2):" in out


def test_a_new_untracked_manifest_is_a_new_target(repo: GitRepo) -> None:
    repo.write("extra/cm.yaml", CM.format(name="extra", value=1))
    code, out, _ = invoke("targets", "--changed-from", "HEAD", cwd=repo.root)
    assert code == 0
    assert "  plain     extra/cm.yaml (new: head side only)\n            extra/cm.yaml: new file\n" in out


def test_a_repository_in_a_subfolder_of_the_git_checkout(tmp_path: Path) -> None:
    """Paths are relative to the validated root, and the base tree is the root's folder."""
    repo = GitRepo(tmp_path / "mono")
    repo.write("gitops/.gitops-validator.yaml", "ignore: []\n")
    repo.write("gitops/apps/cm.yaml", CM.format(name="a", value=1))
    repo.write("other/cm.yaml", CM.format(name="b", value=1))
    repo.commit()
    repo.write("gitops/apps/cm.yaml", CM.format(name="a", value=2))
    repo.write("other/cm.yaml", CM.format(name="b", value=2))
    code, out, _ = invoke("targets", "--changed-from", "HEAD", "-o", "json",
                          cwd=repo.root / "gitops")
    assert code == 0
    document = json.loads(out)
    assert [t["name"] for t in document["targets"]] == ["apps/cm.yaml"]
    assert [c["path"] for c in document["changed"]] == ["apps/cm.yaml"]
    assert document["outside"] == ["other/cm.yaml"]


def test_a_file_moved_into_the_subfolder_root_is_new_there_and_one_moved_out_is_deleted(
        tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "mono")
    repo.write("gitops/.gitops-validator.yaml", "ignore: []\n")
    repo.write("gitops/apps/leaving.yaml", CM.format(name="a", value=1))
    repo.write("other/coming.yaml", CM.format(name="b", value=1))
    repo.commit()
    repo.git("mv", "gitops/apps/leaving.yaml", "other/leaving.yaml")
    repo.git("mv", "other/coming.yaml", "gitops/apps/coming.yaml")
    code, out, err = invoke("targets", "--changed-from", "HEAD", "-o", "json",
                            cwd=repo.root / "gitops")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert [(t["name"], t["side"]) for t in document["targets"]] == [
        ("apps/coming.yaml", "head"), ("apps/leaving.yaml", "base")]
    assert [(c["path"], c["status"]) for c in document["changed"]] == [
        ("apps/coming.yaml", "added"), ("apps/leaving.yaml", "deleted")]
    assert document["outside"] == ["other/coming.yaml", "other/leaving.yaml"]


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "HEAD~5"])
def test_a_ref_that_is_not_a_commit_is_a_one_line_error(repo: GitRepo, ref: str) -> None:
    code, out, err = invoke("targets", "--changed-from", ref, cwd=repo.root)
    assert (code, out) == (2, "")
    assert err.startswith("gitops-validator: error: ")
    assert repr(ref) in err
    assert "not a git revision" in err or "does not exist" in err
    assert len(err.strip().splitlines()) == 1


def test_not_a_git_repository_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(CM.format(name="a", value=1))
    (tmp_path / ".gitops-validator.yaml").write_text("ignore: []\n")
    code, _, err = invoke("targets", "--changed-from", "HEAD", cwd=tmp_path)
    assert code == 2
    assert err.startswith(f"gitops-validator: error: {tmp_path} is not in a git repository: ")
    assert "--changed-from" in err
    assert len(err.strip().splitlines()) == 1


def test_a_root_folder_the_base_does_not_have_makes_every_target_new(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "mono")
    repo.write("README.md", "# mono\n")
    repo.commit()
    repo.write("gitops/.gitops-validator.yaml", "ignore: []\n")
    repo.write("gitops/apps/cm.yaml", CM.format(name="a", value=1))
    code, out, err = invoke("targets", "--changed-from", "HEAD", "-o", "json",
                            cwd=repo.root / "gitops")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["full"]
    assert [(t["name"], t["side"]) for t in document["targets"]] == [("apps/cm.yaml", "head")]


def test_policy_and_schema_folders_the_configuration_names_are_trusted(repo: GitRepo) -> None:
    repo.write(".gitops-validator.yaml",
               "settings:\n  policies: [rules/, builtin]\n  schema_dirs: [./crds]\n")
    repo.write("rules/main.rego", "package main\n")
    repo.write("crds/x.json", "{}\n")
    repo.commit("config")
    for path in ("rules/main.rego", "crds/x.json"):
        repo.write(path, (repo.root / path).read_text() + "\n")
        code, out, _ = invoke("targets", "--changed-from", "HEAD", "-o", "json", cwd=repo.root)
        assert code == 0
        assert json.loads(out)["trusted_changes"] == [path]
        repo.git("checkout", "--", path)
