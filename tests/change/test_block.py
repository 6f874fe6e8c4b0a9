"""``--block new|all``: which findings of a compared report decide the exit code with ``--fail-on``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from validator.change.block import Block
from validator.config import FailOn
from validator.model import Engine, Finding, FindingStatus, Location, Report, Severity
from validator.pipeline import diff_exit_code

ERROR = Finding(rule_id="K8S-001", severity=Severity.ERROR, message="runs privileged",
                location=Location(path="a.yaml", line=3), engine=Engine.POLICY)
WARNING = replace(ERROR, rule_id="K8S-005", severity=Severity.WARNING, message="no probe")


def report(*findings: Finding, fixed: tuple[Finding, ...] = ()) -> Report:
    return Report(findings=findings, resources=1, files=1, compared=True, fixed=fixed)


def status(finding: Finding, value: FindingStatus) -> Finding:
    return replace(finding, status=value)


@pytest.mark.parametrize(("block", "expected"), [(Block.NEW, 0), (Block.ALL, 1)])
def test_existing_errors_block_only_with_block_all(block: Block, expected: int) -> None:
    assert diff_exit_code(report(status(ERROR, FindingStatus.EXISTING)), FailOn("error"), block) == expected


@pytest.mark.parametrize("block", list(Block))
def test_new_errors_always_block(block: Block) -> None:
    assert diff_exit_code(report(status(ERROR, FindingStatus.NEW)), FailOn("error"), block) == 1


@pytest.mark.parametrize("block", list(Block))
def test_fixed_findings_never_block(block: Block) -> None:
    fixed = (status(ERROR, FindingStatus.FIXED),)
    assert diff_exit_code(report(fixed=fixed), FailOn("error"), block) == 0


def test_fail_on_still_sets_the_threshold() -> None:
    new_warning = report(status(WARNING, FindingStatus.NEW), status(ERROR, FindingStatus.EXISTING))
    assert diff_exit_code(new_warning, FailOn("error"), Block.NEW) == 0
    assert diff_exit_code(new_warning, FailOn("warning"), Block.NEW) == 1
    assert diff_exit_code(new_warning, FailOn("never"), Block.ALL) == 0


def test_a_report_that_was_not_compared_counts_every_finding() -> None:
    """Nothing unclassified is ever passed: a finding without a status blocks as in check."""
    plain = Report(findings=(ERROR,), resources=1, files=1)
    assert diff_exit_code(plain, FailOn("error"), Block.NEW) == 1
