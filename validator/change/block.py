"""Which findings of a compared report can block: ``diff --block new|all``.

The exit code itself stays with ``check``'s in :func:`validator.pipeline.diff_exit_code`;
this module owns the choice and what each status means under it.
"""

from __future__ import annotations

import enum
from typing import assert_never

from validator.model import Finding, FindingStatus


class Block(enum.StrEnum):
    """Which findings of a compared report can decide the exit code (with ``--fail-on``)."""

    NEW = "new"
    """Only the findings the change brings (the default)."""
    ALL = "all"
    """Every finding of the head, new or existing."""


def blocks(finding: Finding, block: Block) -> bool:
    """Whether ``finding`` counts for the exit code under ``block``: fixed findings never do,
    and a finding without a status (a report that was not compared) always does."""
    match finding.status:
        case None | FindingStatus.NEW:
            return True
        case FindingStatus.EXISTING:
            return block is Block.ALL
        case FindingStatus.FIXED:
            return False
        case _:
            assert_never(finding.status)
