"""``gitops-validator policy test`` end to end: exit codes 0 / 1 / 2 and findings in JSON.

Depends on the lead's CLI wiring (validator/cli/policy.py).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from validator.cli import main
from validator.tools import PROJECT_ROOT

CASES = "tests/policy/testing_cases"


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT_ROOT)


def test_library_passes_with_full_coverage() -> None:
    result = CliRunner().invoke(main, ["policy", "test", "policies", "--coverage-threshold", "100"])
    assert result.exit_code == 0, result.output


def test_failures_exit_1_with_findings() -> None:
    result = CliRunner().invoke(main, ["policy", "test", f"{CASES}/failing", "-o", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule_id"], f["path"], f["line"]) for f in findings] == [
        ("policy-test/failed", f"{CASES}/failing/labels_test.rego", 11),
        ("policy-test/error", f"{CASES}/failing/labels_test.rego", 16),
    ]


def test_run_filter_and_coverage_threshold() -> None:
    passing = CliRunner().invoke(
        main, ["policy", "test", f"{CASES}/failing", "--run", "test_passes$"])
    assert passing.exit_code == 0, passing.output
    low = CliRunner().invoke(
        main, ["policy", "test", f"{CASES}/low_coverage", "--coverage-threshold", "90"])
    assert low.exit_code == 1, low.output
    assert "policy-test/coverage" in low.output


def test_compile_error_exits_2_naming_file_and_line() -> None:
    result = CliRunner().invoke(main, ["policy", "test", f"{CASES}/compile_error"])
    assert result.exit_code == 2
    assert f"{CASES}/compile_error/broken.rego:4: rego_unsafe_var_error" in result.output
