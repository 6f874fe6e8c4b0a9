"""``policy test``: the real ``opa test`` on fixture policy directories and on the bundled library.

``testing_cases/`` holds one directory per situation: ``passing`` (full coverage, one
``todo_`` test), ``failing`` (a false test that prints, a test that raises a conflict
error), ``compile_error`` and ``low_coverage`` (two thirds of the policy lines run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.errors import PolicyError, UsageError
from validator.model import Engine, Severity
from validator.policy.testing import PolicyTestResult, TestOutcome, run_policy_tests
from validator.policy.testing_report import policy_test_report
from validator.tools import PROJECT_ROOT

CASES = Path(__file__).parent / "testing_cases"


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the checkout so that OPA's file names are repository-relative."""
    monkeypatch.chdir(PROJECT_ROOT)


def case(name: str) -> Path:
    return (CASES / name).relative_to(PROJECT_ROOT)


def test_passing_suite() -> None:
    result = run_policy_tests([case("passing")], coverage_threshold=100)
    assert [(c.name, c.outcome) for c in result.cases] == [
        ("test_missing_label_denied", TestOutcome.PASSED),
        ("test_label_allowed", TestOutcome.PASSED),
        ("todo_test_label_format", TestOutcome.SKIPPED),
    ]
    first = result.cases[0]
    assert (first.package, first.file, first.line) == (
        "labels_test", f"{case('passing')}/labels_test.rego", 5)
    assert first.duration > 0
    assert result.coverage == 100.0
    assert [f.file for f in result.files] == [f"{case('passing')}/labels.rego"]
    assert result.coverage_met
    assert result.exit_code == 0
    assert result.opa_version.startswith("1.")
    assert result.summary == "2 passed, 0 failed, 0 errored, 1 skipped; coverage 100.0% (threshold 100%)"
    report = policy_test_report(result)
    assert report.findings == ()
    assert [s.path for s in report.skipped] == [f"{case('passing')}/labels_test.rego:13"]


def test_failing_suite_names_the_failing_expression_and_the_error() -> None:
    result = run_policy_tests([case("failing")])
    assert [c.name for c in result.passed] == ["test_passes"]
    (failed,) = result.failed
    assert failed.failure_line == 11
    assert failed.message == 'labels.deny == {"some other message"} with input as {"metadata": {}}'
    assert failed.output == 'deny was {"the object has no team label"}'
    (errored,) = result.errored
    assert "conflicting values" in errored.message
    assert errored.failure_line == 16
    assert result.coverage is None
    assert result.exit_code == 1
    assert result.summary == "1 passed, 1 failed, 1 errored, 0 skipped"

    report = policy_test_report(result)
    test_file = f"{case('failing')}/labels_test.rego"
    assert [(f.rule_id, f.location.path, f.location.line, f.severity) for f in report.findings] == [
        ("policy-test/failed", test_file, 11, Severity.ERROR),
        ("policy-test/error", test_file, 16, Severity.ERROR),
    ]
    assert all(f.engine is Engine.POLICY for f in report.findings)
    assert report.findings[0].message.startswith("labels_test.test_wrong_message failed at `labels")
    assert "\n" not in report.findings[1].message
    assert {r.id for r in report.rules} == {"policy-test/failed", "policy-test/error"}


def test_run_filter_selects_tests() -> None:
    result = run_policy_tests([case("failing")], run_filter="test_passes$")
    assert [c.name for c in result.cases] == ["test_passes"]
    assert result.exit_code == 0


def test_failed_tests_leave_coverage_unmeasured_and_unmet() -> None:
    result = run_policy_tests([case("failing")], coverage_threshold=50)
    assert result.coverage is None
    assert not result.coverage_met
    rule_ids = [f.rule_id for f in policy_test_report(result).findings]
    assert rule_ids.count("policy-test/coverage") == 1


def test_coverage_below_threshold_fails() -> None:
    result = run_policy_tests([case("low_coverage")], coverage_threshold=80)
    assert result.failed == ()
    assert result.errored == ()
    assert result.coverage == pytest.approx(200 / 3)
    assert not result.coverage_met
    assert result.exit_code == 1
    (finding,) = policy_test_report(result).findings
    assert finding.rule_id == "policy-test/coverage"
    assert (finding.location.path, finding.location.line) == (
        f"{case('low_coverage')}/limits.rego", 8)
    assert "66.7% is below the threshold 80%" in finding.message


def test_coverage_at_threshold_passes() -> None:
    result = run_policy_tests([case("low_coverage")], coverage_threshold=60)
    assert result.coverage_met
    assert result.exit_code == 0


def test_compile_error_names_file_and_line() -> None:
    with pytest.raises(PolicyError, match=(
            rf"^{case('compile_error')}/broken.rego:4: rego_unsafe_var_error: "
            r"var undefined_variable is unsafe$")):
        run_policy_tests([case("compile_error")])


def test_parse_errors_are_counted(tmp_path: Path) -> None:
    (tmp_path / "a.rego").write_text("package a\n\nx if {{\n")
    (tmp_path / "b.rego").write_text("package b\n\ny if {{\n")
    with pytest.raises(PolicyError, match=r"a\.rego:\d+: rego_parse_error: .*\(and 1 more\)$"):
        run_policy_tests([tmp_path])


def test_rego_v0_syntax_needs_v0_mode(tmp_path: Path) -> None:
    (tmp_path / "old.rego").write_text('package old\n\ndeny[msg] { msg := "x" }\n')
    (tmp_path / "old_test.rego").write_text(
        'package old_test\n\nimport data.old\n\ntest_deny { old.deny["x"] }\n')
    with pytest.raises(PolicyError, match="old"):
        run_policy_tests([tmp_path])
    result = run_policy_tests([tmp_path], rego_version="v0")
    assert [c.outcome for c in result.cases] == [TestOutcome.PASSED]


def test_no_tests_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text("package p\n\nallow := true\n")
    result = run_policy_tests([tmp_path])
    assert result.cases == ()
    assert result.exit_code == 1
    (finding,) = policy_test_report(result, root=tmp_path).findings
    assert (finding.rule_id, finding.severity, finding.location.path) == (
        "policy-test/no-tests", Severity.ERROR, ".")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rego_version": "v2"}, "unknown Rego version"),
    ({"coverage_threshold": 101.0}, "between 0 and 100"),
])
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        run_policy_tests([case("passing")], **kwargs)  # type: ignore[arg-type]


def test_missing_path() -> None:
    with pytest.raises(UsageError, match="no such policy file or directory: nowhere"):
        run_policy_tests([Path("nowhere")])


def test_bundled_library_passes_with_full_coverage() -> None:
    result: PolicyTestResult = run_policy_tests([Path("policies")], coverage_threshold=100)
    assert len(result.passed) >= 60
    assert result.failed == result.errored == result.skipped == ()
    assert result.coverage == 100.0
    assert result.exit_code == 0
    assert policy_test_report(result).findings == ()
    assert result.files
    assert not any(f.file.endswith("_test.rego") for f in result.files)
