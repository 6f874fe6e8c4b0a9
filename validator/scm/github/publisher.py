"""Publishing an outcome to GitHub: the check run, the review comments, the summary comment.

:meth:`GitHubPublisher.start` opens (or re-opens) the check run as ``in_progress``;
:meth:`GitHubPublisher.complete` finishes it and syncs the pull request's comments. GitHub
faults never escape: they become :attr:`PublishResult.problems`, and a refused write (403)
sets :attr:`PublishResult.degraded` so the adapter falls back to workflow commands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from validator.scm.github.client import GitHubSession
from validator.scm.outcome import CommentMode, Outcome

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PublishTarget:
    """Where a run reports: a repository, a commit and, for a pull request, its number."""

    repository: str
    """``owner/name``."""
    head_sha: str
    """The commit the check run is reported on (pull request head, ``merge_group.head_sha``,
    a push's ``after``)."""
    pull_number: int | None
    """The pull request for review and summary comments; None for push, merge group, dispatch."""
    check_name: str = "gitops-validator"
    """The check run's name (what branch protection requires)."""
    details_url: str | None = None
    """A link to the full run (the workflow run), shown on the check run."""


@dataclass(frozen=True, kw_only=True)
class PublishSettings:
    """How much a run posts on a pull request."""

    comments: CommentMode = CommentMode.REVIEW
    """Review comments plus summary, summary only, or nothing but the check run."""
    max_comments: int = 20
    """The most review comments one run posts (new findings first)."""


@dataclass(frozen=True, kw_only=True)
class PublishResult:
    """What reached GitHub, and what did not."""

    check_run_id: int | None
    """The check run's id; None when it could not be created."""
    conclusion: str
    """``success`` or ``failure`` (never ``neutral``: required checks pass on neutral)."""
    degraded: bool
    """A write was refused (403): the adapter must fall back to workflow-command annotations
    and the job summary."""
    comments_posted: int
    """Review comments posted by this run."""
    comments_kept: int
    """Review comments of earlier runs whose finding still exists (not repeated)."""
    threads_resolved: int
    """Review threads of fixed findings resolved (or replied to as fixed)."""
    problems: tuple[str, ...]
    """What could not be published and why (logged by the adapter)."""


def _log_info(message: str) -> None:
    _LOGGER.info("%s", message)


class GitHubPublisher:
    """Reports one run on one commit (and pull request) through a :class:`GitHubSession`."""

    def __init__(self, session: GitHubSession, target: PublishTarget, settings: PublishSettings,
                 log: Callable[[str], None] = _log_info) -> None:
        self._session = session
        self._target = target
        self._settings = settings
        self._log = log

    def start(self) -> None:
        """Mark the check run ``in_progress`` (re-using the one for this head SHA and name)."""
        raise NotImplementedError

    def complete(self, outcome: Outcome) -> PublishResult:
        """Complete the check run and sync the pull request's comments; never raises for
        GitHub faults (they are in the result's ``problems``)."""
        raise NotImplementedError
