"""``diff`` of a repository validated from a sub-folder of the git working tree (it has its
own ``.gitops-validator.yaml``, as ``check examples/`` uses): the configuration root is the
nearest folder with a configuration at or above the folder given, as ``check`` finds it,
and the change is seen from it (paths outside it listed as outside, never planned)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from tests.cli.test_diff_cli import APP, FIXED, SAFE, deployment
from validator.cli.main import main

CONFIG = "settings:\n  policies: [builtin]\nrules:\n  K8S-007: off\n"
#: The top of the working tree has policies of its own, in another package (as this project).
OTHER_POLICY = "package tooling.lint\n\nimport rego.v1\n\ndeny contains \"x\" if { false }\n"


@pytest.fixture
def mono(tmp_path: Path) -> tuple[GitRepo, str]:
    repo = GitRepo.init(tmp_path / "mono")
    repo.write("policies/lint.rego", OTHER_POLICY)
    repo.write("gitops/.gitops-validator.yaml", CONFIG)
    repo.write("gitops/apps/web.yaml", deployment("web", SAFE))
    repo.write("gitops/apps/api.yaml", deployment("api", FIXED))
    repo.write("other/web.yaml", deployment("elsewhere", SAFE))
    base = repo.commit("base")
    repo.write("gitops/apps/web.yaml", deployment("web", APP))
    repo.write("other/web.yaml", deployment("elsewhere", APP))
    repo.commit("head")
    return repo, base


def _diff(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["diff", "--no-progress", "--jobs", "2", "-o", "json", *args])
    assert result.output.startswith("{"), result.output
    return result.exit_code, json.loads(result.output)


def _check(code: int, document: dict[str, Any]) -> None:
    assert code == 1
    assert {(f["rule_id"], f["status"], f["path"]) for f in document["findings"]
            if f["rule_id"] == "K8S-001"} == {("K8S-001", "new", "apps/web.yaml")}
    assert [t["name"] for t in document["targets"]] == ["apps/web.yaml", "apps/web.yaml"]
    assert [f["path"] for f in document["change"]["files"]] == ["apps/web.yaml"]
    assert document["change"]["root"] == "gitops"
    assert document["change"]["outside"] == ["other/web.yaml"]


def test_diff_of_the_sub_folder_reads_its_configuration(mono: tuple[GitRepo, str]) -> None:
    repo, base = mono
    _check(*_diff(str(repo.root / "gitops"), "--base", base))


def test_diff_run_inside_the_sub_folder(mono: tuple[GitRepo, str], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = mono
    monkeypatch.chdir(repo.root / "gitops" / "apps")
    _check(*_diff("--base", base))


def test_paths_inside_the_sub_folder_select_within_its_root(mono: tuple[GitRepo, str]) -> None:
    repo, base = mono
    _check(*_diff(str(repo.root / "gitops" / "apps"), "--base", base))
    code, document = _diff(str(repo.root / "gitops" / "apps" / "api.yaml"), "--base", base)
    assert (code, document["targets"], document["change"]["root"]) == (0, [], "gitops")


def test_paths_outside_the_configuration_root_are_a_usage_error(mono: tuple[GitRepo, str]) -> None:
    repo, base = mono
    result = CliRunner().invoke(main, ["diff", str(repo.root / "gitops"), str(repo.root / "other"),
                                       "--base", base, "--no-progress"])
    assert result.exit_code == 2
    assert "other is outside the validated root" in result.output


def test_the_top_of_the_working_tree_stays_the_root_without_a_configuration_below(
        mono: tuple[GitRepo, str]) -> None:
    repo, base = mono
    (repo.root / "gitops" / ".gitops-validator.yaml").unlink()
    repo.commit("no sub-folder configuration")
    code, document = _diff(str(repo.root), "--base", base, "--no-policy")
    assert document["change"]["root"] == ""
    assert document["change"]["outside"] == []
    assert code in (0, 1)


def test_annotations_name_the_files_from_the_top_of_the_checkout(mono: tuple[GitRepo, str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo, base = mono
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    result = CliRunner().invoke(main, ["diff", str(repo.root / "gitops"), "--base", base,
                                       "--no-progress", "-o", "github"])
    assert result.exit_code == 1, result.output
    assert "::error file=gitops/apps/web.yaml," in result.output
    assert "file=apps/web.yaml" not in result.output


def test_a_configuration_the_head_adds_below_the_folder_given_does_not_move_the_root(
        mono: tuple[GitRepo, str]) -> None:
    repo, base = mono
    repo.write("gitops/apps/.gitops-validator.yaml", "rules:\n  K8S-001: off\n")
    repo.commit("a pull request that would judge itself")
    code, document = _diff(str(repo.root / "gitops" / "apps"), "--base", base)
    assert document["change"]["root"] == "gitops"
    assert ("K8S-001", "new", "apps/web.yaml") in {
        (f["rule_id"], f["status"], f["path"]) for f in document["findings"]}
    assert code == 1
