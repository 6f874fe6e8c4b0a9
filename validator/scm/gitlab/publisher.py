"""Publishing an outcome to a GitLab merge request: commit status, discussions, summary note.

- the commit status (named :attr:`MergeRequestTarget.status_name`, which a project can
  require) goes ``pending`` (:meth:`GitLabPublisher.start`) → ``running``
  (:meth:`GitLabPublisher.running`) → ``success`` / ``failed`` (:meth:`GitLabPublisher.complete`),
  with ``target_url`` (the details page) and a description with counts;
- each blocking finding on a line of the diff gets one positioned discussion carrying the
  hidden fingerprint marker (:mod:`validator.scm.markers`); on the next push a finding still
  found keeps its discussion, a fixed one's discussion is resolved (with a short reply), a
  new one is added; a position GitLab rejects (400 ``line_code``) becomes a general note;
- one summary note, found by its marker and edited in place; findings outside the diff are
  listed there.

GitLab faults never escape :meth:`GitLabPublisher.complete`: they become
:attr:`GitLabPublishResult.problems`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from validator.scm import markers
from validator.scm.gitlab.client import GitLabSession
from validator.scm.gitlab.position import DiffRefs
from validator.scm.outcome import CommentMode, Outcome

__all__ = ["GitLabPublishResult", "GitLabPublishSettings", "GitLabPublisher", "MergeRequestTarget"]

_LOGGER = logging.getLogger(__name__)


def _log_info(message: str) -> None:
    _LOGGER.info("%s", message)


@dataclass(frozen=True, kw_only=True)
class MergeRequestTarget:
    """Where a run reports: a project, a commit and, for a merge request, its iid and diff."""

    project_id: int
    project_path: str
    """``group/project``, for messages."""
    head_sha: str
    """The commit the status is set on (the merge request's head)."""
    iid: int | None
    """The merge request for discussions and the summary note; None: the status only."""
    diff_refs: DiffRefs | None = None
    """The merge request's ``diff_refs`` (positions); None: no positioned discussions."""
    ref: str = ""
    """The source branch, sent as the status's ``ref``."""
    status_name: str = markers.DEFAULT_CHECK
    """The commit status's ``name`` (what a project requires)."""
    target_url: str | None = None
    """The details page (or the CI job) the status links to."""
    pipeline_id: int | None = None
    """GitLab CI mode: the pipeline the status belongs to (``CI_PIPELINE_ID``)."""


@dataclass(frozen=True, kw_only=True)
class GitLabPublishSettings:
    """How much a run posts on a merge request."""

    comments: CommentMode = CommentMode.REVIEW
    max_comments: int = 20
    """The most open discussions for findings still found (earlier runs' included)."""


@dataclass(frozen=True, kw_only=True)
class GitLabPublishResult:
    """What reached GitLab, and what did not."""

    state: str
    """The final status state: ``success`` or ``failed`` (or ``canceled``)."""
    status_set: bool
    """The final commit status was accepted."""
    discussions_posted: int
    discussions_kept: int
    discussions_resolved: int
    notes_fallback: int
    """Findings whose position GitLab rejected, posted as general notes instead."""
    problems: tuple[str, ...]


class GitLabPublisher:
    """Reports one run on one commit (and merge request) through a :class:`GitLabSession`."""

    def __init__(self, session: GitLabSession, target: MergeRequestTarget,
                 settings: GitLabPublishSettings, log: Callable[[str], None] = _log_info) -> None:
        self._session = session
        self._target = target
        self._settings = settings
        self._log = log

    def start(self) -> None:
        """Set the status ``pending`` (the job is picked up)."""
        raise NotImplementedError

    def running(self) -> None:
        """Set the status ``running`` (validation begins)."""
        raise NotImplementedError

    def finished_status(self) -> dict[str, Any] | None:
        """This name's ``success`` / ``failed`` status on the head whose ``target_url`` is the
        target's (an earlier attempt of the same job published it), or None."""
        raise NotImplementedError

    def cancel(self, reason: str) -> bool:
        """Set the status ``canceled`` (a newer push superseded this head)."""
        raise NotImplementedError

    def complete(self, outcome: Outcome) -> GitLabPublishResult:
        """Set the final status and sync the discussions and the summary note."""
        raise NotImplementedError
