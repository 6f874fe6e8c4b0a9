"""Rego unit tests: running the real ``opa test`` and reading its JSON into a frozen result.

Owns ``gitops-validator policy test`` (the counterpart of ``conftest verify``). One run
of ``opa test --format json --var-values`` gives every test case and, for a failed test,
the trace that names the expression that failed; when a coverage threshold is given, a
second run with ``--coverage`` (which prints only coverage, and only when every test
passes) measures how much of the policies (``*_test.rego`` files excluded) the tests
execute. :func:`policy_test_report` (re-exported from :mod:`.testing_report`) turns the
result into findings; the result types live in :mod:`.testing_result`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from validator.errors import PolicyError, UsageError
from validator.policy.testing_report import policy_test_report
from validator.policy.testing_result import (
    FileCoverage,
    PolicyTestCase,
    PolicyTestResult,
    TestOutcome,
)
from validator.process import Command, run
from validator.sandbox import DEFAULT_MEMORY_LIMIT
from validator.tools import Tool, require_tool, tool_version

__all__ = [
    "FileCoverage",
    "PolicyTestCase",
    "PolicyTestResult",
    "TestOutcome",
    "policy_test_report",
    "run_policy_tests",
]

_LOGGER = logging.getLogger(__name__)

#: ``opa test`` exit codes: 0 all passed, 2 a test failed or errored; 1 is a load/compile error.
_OK_CODES = frozenset({0, 2})
_REGO_VERSION_FLAGS: Mapping[str, tuple[str, ...]] = {"v1": (), "v0": ("--v0-compatible",)}
_ERROR_RE = re.compile(r"(?P<file>[^\s:][^:]*):(?P<line>\d+): (?P<code>rego_\w+): (?P<text>.*)")
_ERROR_COUNT_RE = re.compile(r"^\d+ errors? occurred[^:]*:\s*")


def run_policy_tests(
    paths: Sequence[Path],
    *,
    coverage_threshold: float | None = None,
    rego_version: str = "v1",
    run_filter: str | None = None,
    timeout: float = 300,
    isolate_network: bool = False,
) -> PolicyTestResult:
    """Run the Rego unit tests under ``paths`` with the real ``opa test``.

    Raises :class:`UsageError` for a missing path or an unknown ``rego_version``, and
    :class:`PolicyError` (naming file and line) when the policies do not compile.
    ``isolate_network``: ``opa test`` runs without any network (untrusted tests: ``diff``
    runs the head's).
    """
    if rego_version not in _REGO_VERSION_FLAGS:
        raise UsageError(f"unknown Rego version {rego_version!r}: use v1 or v0")
    if coverage_threshold is not None and not 0 <= coverage_threshold <= 100:
        raise UsageError(f"the coverage threshold must be between 0 and 100, not {coverage_threshold:g}")
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such policy file or directory: {path}")
    opa = require_tool(Tool.OPA)
    base = (str(opa), "test", "--format", "json", "--exit-zero-on-skipped",
            *_REGO_VERSION_FLAGS[rego_version],
            *(("--run", run_filter) if run_filter else ()))
    targets = tuple(str(path) for path in paths) or (".",)
    stdout = _run_opa((*base, "--var-values", *targets), timeout, isolate_network)
    cases = tuple(sorted((_parse_case(raw) for raw in _json_list(stdout)),
                         key=lambda case: (case.file, case.line, case.name)))
    coverage: float | None = None
    files: tuple[FileCoverage, ...] = ()
    if coverage_threshold is not None and all(
            case.outcome in (TestOutcome.PASSED, TestOutcome.SKIPPED) for case in cases):
        coverage, files = _parse_coverage(_run_opa((*base, "--coverage", *targets), timeout,
                                                   isolate_network))
    return PolicyTestResult(cases=cases, paths=targets, coverage=coverage, files=files,
                            coverage_threshold=coverage_threshold,
                            opa_version=tool_version(opa, Tool.OPA))


def _run_opa(args: tuple[str, ...], timeout: float, isolate_network: bool = False) -> bytes:
    result = run(Command(args=args, timeout=timeout, ok_codes=_OK_CODES | {1},
                         memory_limit=DEFAULT_MEMORY_LIMIT, isolate_network=isolate_network))
    if result.returncode == 1:
        raise PolicyError(_compile_error(result.stderr))
    return result.stdout


def _compile_error(stderr: str) -> str:
    """One line naming the first error's file and line, and how many more there are."""
    errors = [m for line in stderr.splitlines()
              if (m := _ERROR_RE.match(_ERROR_COUNT_RE.sub("", line.strip())))]
    if not errors:
        return f"opa test could not load the policies: {stderr.strip() or 'no message'}"
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"{first['file']}:{first['line']}: {first['code']}: {first['text']}{more}")


def _json_list(stdout: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(stdout or b"[]")
    except json.JSONDecodeError as exc:
        raise PolicyError(f"opa test printed output that is not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise PolicyError("opa test printed JSON that is not a list of test results")
    return data


def _parse_case(raw: Mapping[str, Any]) -> PolicyTestCase:
    location = raw.get("location") or {}
    file = str(location.get("file", ""))
    error = raw.get("error")
    outcome = (TestOutcome.SKIPPED if raw.get("skip") else TestOutcome.ERRORED if error
               else TestOutcome.FAILED if raw.get("fail") else TestOutcome.PASSED)
    message, failure_line = "", 0
    if isinstance(error, Mapping):
        message = str(error.get("message", "")).strip()
        failure_line = int((error.get("location") or {}).get("row", 0))
    elif outcome is TestOutcome.FAILED:
        failure_line = _failing_row(raw.get("trace") or [], file)
        message = _source_line(file, failure_line)
    output = raw.get("output", "")
    return PolicyTestCase(
        package=str(raw.get("package", "")).removeprefix("data."),
        name=str(raw.get("name", "")), file=file, line=int(location.get("row", 0)),
        duration=int(raw.get("duration", 0)) / 1e9, outcome=outcome,
        failure_line=failure_line, message=message,
        output=base64.b64decode(output).decode("utf-8", "replace").strip() if output else "")


def _failing_row(trace: Sequence[Mapping[str, Any]], file: str) -> int:
    """The line of the first failed expression in the test's own file (``--var-values`` trace)."""
    for event in trace:
        location = event.get("Location") or {}
        if event.get("Op") == "Fail" and location.get("file") == file:
            return int(location.get("row", 0))
    return 0


def _source_line(file: str, line: int) -> str:
    """The text of ``file``'s line (for messages); empty when it cannot be read."""
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _parse_coverage(stdout: bytes) -> tuple[float, tuple[FileCoverage, ...]]:
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"opa test --coverage printed output that is not JSON: {exc}") from exc
    files, covered, total = [], 0, 0
    for name, data in sorted((report.get("files") or {}).items()):
        if name.endswith("_test.rego"):
            continue
        hit, miss = int(data.get("covered_lines", 0)), int(data.get("not_covered_lines", 0))
        covered, total = covered + hit, total + hit + miss
        files.append(FileCoverage(
            file=name, coverage=float(data.get("coverage", 0)),
            not_covered=tuple(sorted({row for r in data.get("not_covered", [])
                                      for row in range(int(r["start"]["row"]),
                                                       int(r["end"]["row"]) + 1)}))))
    _LOGGER.debug("Policy coverage: %d of %d lines", covered, total)
    percent = 100.0 * covered / total if total else float(report.get("coverage", 0))
    return percent, tuple(files)
