"""The value a ``policy test`` run produces: test cases, their outcomes and the coverage.

Plain frozen data with small derived values (counts, whether coverage met its
threshold, the exit code); :mod:`validator.policy.testing` fills it from ``opa test``
and :mod:`validator.policy.testing_report` turns it into findings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TestOutcome(enum.StrEnum):
    """How one test case ended."""

    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    """The test's body was false or undefined."""
    ERRORED = "errored"
    """Evaluation raised an error (conflicting values, a builtin error)."""
    SKIPPED = "skipped"
    """A ``todo_test_`` rule."""


@dataclass(frozen=True, kw_only=True)
class PolicyTestCase:
    """One ``test_`` rule and what became of it."""

    __test__ = False

    package: str
    """Its package without the ``data.`` prefix (``k8s.privileged_container_test``)."""
    name: str
    """The rule name (``test_privileged_container_denied``)."""
    file: str
    """The file as OPA names it (relative to the working directory when given so)."""
    line: int
    """1-based line of the rule's head."""
    duration: float
    """Seconds it took."""
    outcome: TestOutcome
    """How it ended."""
    failure_line: int = 0
    """For a failed or errored test, the line of the expression that failed (0 if unknown)."""
    message: str = ""
    """For a failed test, the failing expression; for an errored one, OPA's error message."""
    output: str = ""
    """What the test printed with ``print()``."""


@dataclass(frozen=True, kw_only=True)
class FileCoverage:
    """Coverage of one policy file."""

    file: str
    """The file as OPA names it."""
    coverage: float
    """Percentage of its lines that the tests executed."""
    not_covered: tuple[int, ...]
    """First lines of the ranges the tests did not execute."""


@dataclass(frozen=True, kw_only=True)
class PolicyTestResult:
    """Everything one ``policy test`` run found."""

    cases: tuple[PolicyTestCase, ...]
    """Every test case, in file and line order."""
    paths: tuple[str, ...] = ()
    """The files and directories tested, as given."""
    coverage: float | None = None
    """Percentage of policy lines covered (test files excluded); None when not measured."""
    coverage_threshold: float | None = None
    """The threshold asked for, if any."""
    files: tuple[FileCoverage, ...] = ()
    """Per-file coverage of the policy files (empty when not measured)."""
    opa_version: str = ""
    """The version of the ``opa`` that ran the tests."""

    def _with(self, outcome: TestOutcome) -> tuple[PolicyTestCase, ...]:
        return tuple(case for case in self.cases if case.outcome is outcome)

    @property
    def passed(self) -> tuple[PolicyTestCase, ...]:
        """The tests that passed."""
        return self._with(TestOutcome.PASSED)

    @property
    def failed(self) -> tuple[PolicyTestCase, ...]:
        """The tests whose body did not hold."""
        return self._with(TestOutcome.FAILED)

    @property
    def errored(self) -> tuple[PolicyTestCase, ...]:
        """The tests whose evaluation raised an error."""
        return self._with(TestOutcome.ERRORED)

    @property
    def skipped(self) -> tuple[PolicyTestCase, ...]:
        """The ``todo_test_`` rules."""
        return self._with(TestOutcome.SKIPPED)

    @property
    def coverage_met(self) -> bool:
        """True unless a threshold was given and coverage is below it or could not be measured."""
        if self.coverage_threshold is None:
            return True
        return self.coverage is not None and self.coverage >= self.coverage_threshold

    @property
    def summary(self) -> str:
        """One line for the terminal: ``78 passed, 0 failed, 0 errored, 1 skipped; coverage 100.0%``."""
        counts = (f"{len(self.passed)} passed, {len(self.failed)} failed, "
                  f"{len(self.errored)} errored, {len(self.skipped)} skipped")
        if self.coverage is None:
            return counts
        threshold = ("" if self.coverage_threshold is None
                     else f" (threshold {self.coverage_threshold:g}%)")
        return f"{counts}; coverage {self.coverage:.1f}%{threshold}"

    @property
    def exit_code(self) -> int:
        """Like ``conftest verify``: 0 when every test passed (and coverage is met), else 1.

        Finding no tests at all is a failure too: a wrong directory or a ``--run`` that
        matches nothing must not pass as a green suite.
        """
        ok = bool(self.cases) and not self.failed and not self.errored and self.coverage_met
        return 0 if ok else 1
