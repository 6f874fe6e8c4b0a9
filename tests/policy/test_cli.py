"""End to end through the CLI: ``gitops-validator check --no-schema --policy ...``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.policy.peer import CASES
from validator import process

CLI = str(Path(sys.executable).with_name("gitops-validator"))
REPO = Path(__file__).parents[2]


def _check(case: str, *args: str) -> process.Result:
    return process.run(process.Command(
        args=(CLI, "check", "--no-schema", "--no-progress", "--policy", "policy", *args),
        cwd=CASES / case, ok_codes=frozenset({0, 1, 2}), timeout=120))


def test_policy_findings_reach_the_report_on_their_lines() -> None:
    result = _check("locations", "--output", "json", "deploy.yaml")
    assert result.returncode == 1
    path = (CASES / "locations" / "deploy.yaml").relative_to(REPO).as_posix()
    findings = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["line"], f["rule_id"], f["severity"]) for f in findings] == [
        (path, 9, "main.violation", "error"), (path, 22, "main.deny", "error"),
        (path, 23, "main.warn", "warning")]


def test_a_policy_compile_error_exits_2_naming_file_and_line() -> None:
    result = _check("compile_error", "service.yaml")
    assert result.returncode == 2
    assert "policy/broken.rego:5: rego_type_error: undefined function no_such_function" in (
        result.stderr)
