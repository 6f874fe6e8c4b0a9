"""``gitops-validator check`` end to end on the example repository and small trees."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import main
from validator.process import Command, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

VALID = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: value
"""
WRONG_TYPE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def invoke(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "ok.yaml").write_text(VALID)
    return tmp_path


def test_clean_repository_exits_0_with_a_summary(repo: Path) -> None:
    code, out, _ = invoke("check", str(repo), "--no-policy")
    assert code == 0, out
    assert "1 resource in 1 file: no problems" in out


def test_schema_error_exits_1_and_names_file_line_and_field(repo: Path) -> None:
    (repo / "apps" / "web.yaml").write_text(WRONG_TYPE)
    code, out, _ = invoke("check", str(repo), "--no-policy")
    assert code == 1
    assert "apps/web.yaml:6:3" in out
    assert "spec.replicas" in out


def test_fail_on_never_and_warning(repo: Path) -> None:
    (repo / "apps" / "web.yaml").write_text(WRONG_TYPE)
    assert invoke("check", str(repo), "--no-policy", "--fail-on", "never")[0] == 0
    (repo / "apps" / "web.yaml").write_text(VALID.replace("key: value", "key: value\n  key: again"))
    assert invoke("check", str(repo), "--no-policy")[0] == 0  # a duplicate key warns
    assert invoke("check", str(repo), "--no-policy", "--fail-on", "warning")[0] == 1
    assert invoke("check", str(repo), "--no-policy", "--strict")[0] == 1


def test_several_outputs_in_one_run(repo: Path, tmp_path: Path) -> None:
    (repo / "apps" / "web.yaml").write_text(WRONG_TYPE)
    sarif, data = tmp_path / "out" / "r.sarif", tmp_path / "r.json"
    code, out, _ = invoke("check", str(repo), "--no-policy", "-o", f"sarif={sarif}",
                          "-o", "json", "--output-file", str(data), "-o", "text")
    assert code == 1
    assert "apps/web.yaml:6:3" in out
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    findings = json.loads(data.read_text())["findings"]
    assert [(f["path"], f["line"]) for f in findings] == [("apps/web.yaml", 6)]


def test_usage_errors_exit_2_with_one_line(repo: Path) -> None:
    code, _, err = invoke("check", str(repo), "-o", "yaml")
    assert code == 2
    assert err.strip().startswith("gitops-validator: error: unknown output format 'yaml'")
    code, _, err = invoke("check", str(repo), "-o", "json", "-o", "text")
    assert code == 2
    assert "only one output can go to standard output" in err


def test_missing_tool_is_a_clear_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "p.rego").write_text("package main\n\ndeny contains \"x\" if { false }\n")
    monkeypatch.setenv("GITOPS_VALIDATOR_OPA", str(repo / "no-such-opa"))
    code, _, err = invoke("check", str(repo))
    assert code == 2
    assert "opa is required but was not found" in err
    assert "make setup" in err


def test_nothing_is_silently_skipped(repo: Path) -> None:
    code, out, _ = invoke("check", str(repo), "--no-policy", "--skip-kinds", "ConfigMap")
    assert code == 0
    assert "ConfigMap" in out
    assert "skipped" in out.lower()
    assert "no policies" in invoke("check", str(repo))[1]


def test_example_repository_shows_findings_with_lines() -> None:
    code, out, _ = invoke("check", str(EXAMPLES), "--no-color")
    assert code == 1
    for expected in ("apps/broken/worker.yaml:12:3", "apps/broken/settings.yaml:12:3",
                     "apps/crontab/crontabs.yaml"):
        assert expected in out, out
    assert "apps/web/deployment.yaml" not in out  # the valid app has no findings


def test_version_lists_every_tool() -> None:
    code, out, _ = invoke("version")
    assert code == 0
    for tool in ("opa", "helm", "kustomize", "kubeconform", "conftest"):
        assert tool in out
    assert "not installed" not in out


def test_entry_point_runs_as_a_module(repo: Path) -> None:
    result = run(Command(args=(sys.executable, "-m", "validator", "check", str(repo), "--no-policy",
                               "-o", "github"), ok_codes=frozenset({0, 1})))
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "::error" not in out
    assert "::warning" not in out
    assert out.strip().endswith("1 resource in 1 file: no problems; "
                                "1 resource not policy-checked: --no-policy")


def test_github_and_sarif_paths_are_relative_to_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/ is its own validator root inside this git checkout: annotations need the prefix."""
    _, out, _ = invoke("check", str(EXAMPLES), "-o", "github")
    assert "::error file=examples/apps/broken/worker.yaml,line=12,col=3," in out
    _, out, _ = invoke("check", str(EXAMPLES), "-o", "sarif")
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in json.loads(out)["runs"][0]["results"] for loc in result["locations"]}
    assert "examples/apps/broken/worker.yaml" in uris
    monkeypatch.setenv("GITHUB_WORKSPACE", str(EXAMPLES))
    _, out, _ = invoke("check", str(EXAMPLES), "-o", "github")
    assert "::error file=apps/broken/worker.yaml,line=12,col=3," in out


def test_report_file_that_cannot_be_written_is_a_usage_error(repo: Path) -> None:
    code, _, err = invoke("check", str(repo), "--no-policy", "-o", f"json={repo}")
    assert code == 2
    assert f"cannot write report to {repo}: is a directory" in err
    assert not list(repo.parent.glob(f".{repo.name}.partial"))


def test_named_and_hidden_files_are_reported_when_not_checked(repo: Path) -> None:
    (repo / "notes.txt").write_text("not yaml\n")
    (repo / ".hidden").mkdir()
    (repo / ".hidden" / "x.yaml").write_text(WRONG_TYPE)
    (repo / "apps" / "escape.yaml").symlink_to("/etc/hostname")
    code, out, _ = invoke("check", "notes.txt", "--no-policy", cwd=repo)
    assert code == 0
    assert "skipped: notes.txt: not a YAML or JSON file" in out
    code, out, _ = invoke("check", ".", "--no-policy", cwd=repo)
    assert code == 1
    assert "skipped: .hidden: hidden directory" in out
    assert "apps/escape.yaml: error render/symlink-escape" in out
    assert ".git" not in out
    code, out, _ = invoke("check", "apps/escape.yaml", "--no-policy", cwd=repo)
    assert code == 1
    assert "render/symlink-escape" in out
