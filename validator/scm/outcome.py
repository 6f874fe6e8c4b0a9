"""What a run found, in the one shape every publisher (GitHub now, GitLab later) consumes.

The service decides whether the run blocks; publishers only carry that decision to the
hosting platform, so ``blocking`` is data here and never recomputed from the findings.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from validator.change.block import Block
from validator.change.model import Change
from validator.model import Report


class CommentMode(enum.StrEnum):
    """Which comments a pull request run posts besides its check run."""

    REVIEW = "review"
    """Review comments on the changed lines and the summary comment."""
    SUMMARY = "summary"
    """Only the summary comment."""
    OFF = "off"
    """No comments: the check run (annotations and summary) only."""


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a run found, as every publisher needs it."""

    report: Report
    """The report; for a compared change (``diff``) findings carry a status and ``fixed`` lists
    the base findings the head no longer has."""
    blocking: bool
    """The run's exit code is 1: decided by the service, never re-decided by a publisher."""
    markdown: str
    """The markdown reporter's output (summary comment, job summary, check run summary)."""
    change: Change | None
    """The change with its commentable lines; None for a full ``check`` (no review comments)."""
    head_lines: Callable[[str], Sequence[str] | None]
    """The head-side lines of a repository path (for suggestion blocks); None if unknown."""
    block: Block = Block.NEW
    """The run's ``--block``: which findings review comments are for (those that can block:
    new ones, or every head finding); the rest reach the author through the annotations and
    the summary."""
    error: str = ""
    """Non-empty when the validator itself failed: the check run still completes, as a failure
    with this text in its summary."""


def no_lines(path: str) -> Sequence[str] | None:
    """A ``head_lines`` for callers that cannot read the head: no suggestions are offered."""
    del path
    return None
