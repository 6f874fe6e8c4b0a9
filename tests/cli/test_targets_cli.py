"""``gitops-validator targets`` and the target rules as ``check`` applies them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import main

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n"


def invoke(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "kustomization.yaml", "resources:\n  - top.yaml\n")
    write(tmp_path, "top.yaml", CM.format(name="top"))
    write(tmp_path, "examples/app.yaml", CM.format(name="app"))
    return tmp_path


def test_a_named_file_under_a_root_kustomization_is_checked(repo: Path) -> None:
    code, out, _ = invoke("check", "examples/app.yaml", "--no-policy", "-o", "json", cwd=repo)
    assert code == 0, out
    assert json.loads(out)["summary"]["resources"] == 1
    write(repo, "draft.yaml", CM.format(name="draft"))  # in the kustomization's own folder
    code, out, _ = invoke("check", "draft.yaml", "--no-policy", "-o", "json", cwd=repo)
    assert json.loads(out)["summary"]["resources"] == 1


def test_a_run_that_checks_little_says_so(repo: Path) -> None:
    for name in ("a", "b", "c"):
        write(repo, f"{name}.yaml", CM.format(name=name))  # not referenced: not applied
    code, out, _ = invoke("check", ".", "--no-policy", "-o", "json", cwd=repo)
    assert code == 0
    warnings = [f for f in json.loads(out)["findings"] if f["severity"] == "warning"]
    assert [w["rule_id"] for w in warnings] == ["render/few-checked"]
    assert "3 of 5 YAML/JSON files" in warnings[0]["message"]
    assert invoke("check", ".", "--no-policy", "--fail-on", "warning", cwd=repo)[0] == 1


def test_a_run_that_checks_nothing_says_so(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "notes.txt", "hello\n")
    code, out, _ = invoke("check", ".", "--no-policy", cwd=tmp_path)
    assert code == 0
    assert "render/nothing-checked" in out
    assert invoke("check", ".", "--no-policy", "--fail-on", "warning", cwd=tmp_path)[0] == 1


def test_a_path_that_is_neither_file_nor_directory_is_a_usage_error(repo: Path) -> None:
    code, _, err = invoke("check", "/dev/null", "--no-policy", cwd=repo)
    assert code == 2
    assert "/dev/null" in err
    assert "not a file or directory" in err
    assert "opa" not in err
    assert invoke("targets", "/dev/null", cwd=repo)[0] == 2


def test_all_kustomizations_flag(repo: Path) -> None:
    write(repo, "app/base/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(repo, "app/base/cm.yaml", CM.format(name="base"))
    write(repo, "app/dev/kustomization.yaml", "resources:\n  - ../base\n")
    _, out, _ = invoke("targets", "app", "-o", "json", cwd=repo)
    assert [t["name"] for t in json.loads(out)["targets"]] == ["app/dev"]
    _, out, _ = invoke("targets", "app", "--all-kustomizations", "-o", "json", cwd=repo)
    assert [t["name"] for t in json.loads(out)["targets"]] == ["app/base", "app/dev"]
    _, out, _ = invoke("check", "app", "--all-kustomizations", "--no-policy", "-o", "json",
                          cwd=repo)
    assert json.loads(out)["summary"]["resources"] == 2, out


def test_targets_lists_only_targets_under_the_path(repo: Path) -> None:
    write(repo, "app/base/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(repo, "app/base/cm.yaml", CM.format(name="base"))
    write(repo, "clusters/prod/kustomization.yaml", "resources:\n  - ../../app/base\n")
    code, out, _ = invoke("targets", "app", "-o", "json", cwd=repo)
    assert code == 0
    plan = json.loads(out)
    assert plan["targets"] == []
    assert [t["name"] for t in plan["reading"]] == ["clusters/prod"]
    code, out, _ = invoke("targets", "app", cwd=repo)
    assert "targets (0):" in out
    assert "clusters/prod" in out.split("targets (0):")[1]  # listed apart, as a reader


def test_targets_json_has_every_section(repo: Path) -> None:
    write(repo, "notes.txt", "x\n")
    code, out, _ = invoke("targets", ".", "-o", "json", cwd=repo)
    assert code == 0
    plan = json.loads(out)
    assert set(plan) == {"targets", "reading", "consumed", "ignored", "findings", "skipped"}
    assert plan["targets"][0] == {"kind": "kustomize", "name": ".", "path": ".",
                                  "reason": "directory with kustomization.yaml",
                                  "inputs": ["kustomization.yaml", "top.yaml"]}
    assert plan["ignored"]["notes.txt"] == "not a YAML or JSON file"


def test_targets_summarises_ignored_files_by_reason(repo: Path) -> None:
    for i in range(3):
        write(repo, f"docs/n{i}.txt", "x\n")
    write(repo, "stray.yaml", CM.format(name="stray"))
    _, out, _ = invoke("targets", ".", cwd=repo)
    assert "ignored (5):" in out
    assert "  3  not a YAML or JSON file" in out
    assert "  1  not referenced by the kustomization in its folder (not applied)" in out
    assert "docs/n0.txt" not in out
    _, out, _ = invoke("targets", ".", "--verbose", cwd=repo)
    assert "  docs/n0.txt: not a YAML or JSON file" in out
    assert out.index("docs/n2.txt") < out.index("stray.yaml")


def test_skipped_entries_sort_naturally_and_paths_are_clean(repo: Path) -> None:
    for app in ("app10", "app2", "app1"):
        write(repo, f"{app}/kustomization.yaml", "resources: []\n")
        write(repo, f"{app}/stray.yaml", CM.format(name=app))
    (repo / "sub").mkdir()
    _, out, _ = invoke("check", "..", "--no-policy", "--no-schema", cwd=repo / "sub")
    skipped = [line.split(": ")[1] for line in out.splitlines() if line.startswith("skipped: ")]
    strays = [s for s in skipped if s.endswith("stray.yaml")]
    assert strays == ["../app1/stray.yaml", "../app2/stray.yaml", "../app10/stray.yaml"]
    assert "../." not in out
    assert "skipped: ..: schema validation disabled" in out


def test_example_root_kustomization_leaves_the_folders_below_checked() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    _, out, _ = invoke("targets", str(examples), "-o", "json", cwd=examples)
    plan = json.loads(out)
    reasons = {t["name"]: t["reason"] for t in plan["targets"]}
    assert reasons["."] == "directory with kustomization.yaml"
    assert reasons["apps/web/deployment.yaml"] == "manifest file"
    assert "clusters/production/namespace.yaml" in plan["consumed"]
    assert not [p for p, why in plan["ignored"].items() if why.endswith("(not applied)")]
