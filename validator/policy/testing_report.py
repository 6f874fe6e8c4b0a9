"""Findings from a policy test run, so ``policy test`` prints through the same reporters as ``check``.

A failed test, an errored test and coverage below the threshold each become a
finding pointing at the Rego file and line to look at; skipped (``todo_test_``) rules
are reported as skipped, and a run that found no tests at all is an error, so that a
wrong directory is not mistaken for a passing suite. A report has findings exactly
when :attr:`PolicyTestResult.exit_code` is 1. Pure: no I/O.
"""

from __future__ import annotations

from pathlib import Path

from validator.model import Engine, Finding, Location, Report, Rule, Severity, Skipped, sort_findings
from validator.policy.testing_result import PolicyTestCase, PolicyTestResult, TestOutcome

FAILED = Rule(id="policy-test/failed", title="Policy unit test failed",
              description="A Rego test_ rule was false or undefined.")
ERROR = Rule(id="policy-test/error", title="Policy unit test raised an error",
             description="Evaluating a Rego test_ rule raised an error.")
COVERAGE = Rule(id="policy-test/coverage", title="Policy test coverage below threshold",
                description="The tests execute less of the policies than the threshold asks.")
NO_TESTS = Rule(id="policy-test/no-tests", title="No policy tests found",
                description="No test_ rules were found (or none matched --run).")

#: How many uncovered files a coverage finding names.
_MAX_FILES_NAMED = 5
_MAX_OUTPUT = 500


def policy_test_report(result: PolicyTestResult, *, root: Path | None = None) -> Report:
    """A report of ``result``'s failures; file paths are made relative to ``root`` (the cwd)."""
    base = (root or Path.cwd()).resolve()
    findings = [_case_finding(case, base) for case in result.cases
                if case.outcome in (TestOutcome.FAILED, TestOutcome.ERRORED)]
    if not result.coverage_met:
        findings.append(_coverage_finding(result, base))
    if not result.cases:
        findings.append(Finding(
            rule_id=NO_TESTS.id, severity=Severity.ERROR, engine=Engine.POLICY,
            title=NO_TESTS.title, location=_where(result, base),
            message="no policy tests were found (no test_ rules, or none matched --run)"))
    used = {finding.rule_id for finding in findings}
    files = {case.file for case in result.cases} | {f.file for f in result.files}
    return Report(
        findings=sort_findings(findings), resources=0, files=len(files),
        rules=tuple(rule for rule in (FAILED, ERROR, COVERAGE, NO_TESTS) if rule.id in used),
        skipped=tuple(Skipped(path=f"{_display(case.file, base)}:{case.line}",
                              reason=f"{case.package}.{case.name} is a todo_ test")
                      for case in result.skipped),
        tool_versions=(("opa", result.opa_version),) if result.opa_version else ())


def _case_finding(case: PolicyTestCase, base: Path) -> Finding:
    rule = ERROR if case.outcome is TestOutcome.ERRORED else FAILED
    test = f"{case.package}.{case.name}"
    if case.outcome is TestOutcome.ERRORED:
        message = f"{test} raised an error: {' '.join(case.message.split()) or 'no message'}"
    else:
        message = f"{test} failed" + (f" at `{case.message}`" if case.message else "")
    if case.output:
        output = case.output if len(case.output) <= _MAX_OUTPUT else case.output[:_MAX_OUTPUT] + "..."
        message += f"; it printed: {output}"
    return Finding(
        rule_id=rule.id, severity=Severity.ERROR, engine=Engine.POLICY, title=rule.title,
        message=message,
        location=Location(path=_display(case.file, base), line=case.failure_line or case.line))


def _coverage_finding(result: PolicyTestResult, base: Path) -> Finding:
    threshold = result.coverage_threshold or 0.0
    if result.coverage is None:
        return Finding(
            rule_id=COVERAGE.id, severity=Severity.ERROR, engine=Engine.POLICY,
            title=COVERAGE.title, location=_where(result, base),
            message=f"coverage was not measured (tests failed); the threshold is {threshold:g}%")
    uncovered = sorted((f for f in result.files if f.not_covered), key=lambda f: f.coverage)
    named = ", ".join(f"{_display(f.file, base)} {f.coverage:.1f}% (line {f.not_covered[0]})"
                      for f in uncovered[:_MAX_FILES_NAMED])
    worst = uncovered[0] if uncovered else None
    return Finding(
        rule_id=COVERAGE.id, severity=Severity.ERROR, engine=Engine.POLICY, title=COVERAGE.title,
        location=(Location(path=_display(worst.file, base), line=worst.not_covered[0]) if worst
                  else _where(result, base)),
        message=(f"policy coverage {result.coverage:.1f}% is below the threshold {threshold:g}%"
                 + (f"; least covered: {named}" if named else "")))


def _where(result: PolicyTestResult, base: Path) -> Location:
    """The first tested path: where a finding about the whole run points."""
    return Location(path=_display(result.paths[0] if result.paths else ".", base))


def _display(file: str, base: Path) -> str:
    """``file`` (as OPA named it, relative to our cwd) relative to ``base`` when below it."""
    try:
        return Path(file).resolve().relative_to(base).as_posix()
    except ValueError:
        return Path(file).as_posix()
