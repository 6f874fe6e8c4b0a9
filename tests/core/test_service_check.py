"""``service.run_check`` is what every way in calls for a check: the report and the exit
decision (``fail_on`` from the flags, else the repository's configuration file)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from validator.cli.main import main
from validator.config import FailOn
from validator.options import CheckOptions
from validator.service import CheckRequest, CheckResult, run_check

BAD_PORT = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: nginx, ports: [{containerPort: not-a-number}]}]}\n")


def _repo(root: Path, config: str = "") -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "apps").mkdir()
    (root / "apps" / "pod.yaml").write_text(BAD_PORT)
    (root / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    if config:
        (root / ".gitops-validator.yaml").write_text(config)
    return root


def test_run_check_returns_the_report_and_the_exit_decision(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r")
    result = run_check(CheckRequest(root=root, options=CheckOptions(no_policy=True)))
    assert isinstance(result, CheckResult)
    assert [(f.rule_id, f.location.path) for f in result.report.findings] == [
        ("schema/type", "apps/pod.yaml")]
    assert result.fail_on is FailOn.ERROR
    assert result.root == root
    assert result.exit_code() == 1


def test_fail_on_comes_from_the_config_file_unless_set_explicitly(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", "settings: {fail_on: never}\n")
    options = CheckOptions(no_policy=True)
    from_file = run_check(CheckRequest(root=root, options=options))
    assert (from_file.fail_on, from_file.exit_code()) == (FailOn.NEVER, 0)
    explicit = run_check(CheckRequest(root=root, options=options, explicit=frozenset({"fail_on"})))
    assert (explicit.fail_on, explicit.exit_code()) == (FailOn.ERROR, 1)


def test_paths_select_what_is_checked(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r")
    result = run_check(CheckRequest(root=root, paths=("ok.yaml",), options=CheckOptions(no_policy=True)))
    assert (result.report.findings, result.exit_code()) == ((), 0)


def test_the_cli_reports_and_exits_as_the_service_decides(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r", "settings: {fail_on: never}\n")
    service = run_check(CheckRequest(root=root, paths=("apps",), options=CheckOptions(no_policy=True)))
    cli = CliRunner().invoke(main, ["check", str(root / "apps"), "--no-policy", "-o", "json"])
    assert cli.exit_code == service.exit_code() == 0
    assert [(f["rule_id"], f["path"]) for f in json.loads(cli.output)["findings"]] == [
        (f.rule_id, f.location.path) for f in service.report.findings]
