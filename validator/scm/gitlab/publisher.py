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

Only this token's user's notes count (``GET /user`` once): a person who quotes a marker in
a comment does not make a finding look posted, nor gets a note edited or resolved.
Re-running :meth:`GitLabPublisher.complete` posts nothing new: the status is not set again
when the latest one of its name already says the same, a discussion (or fallback note) found
by its marker is kept, and the summary note is edited only when its text differs.

Commit status transitions follow GitLab's state machine: a status of a name is updated while
``pending`` or ``running``; posting the state it already has is refused with 400 ``Cannot
transition status via :enqueue from :pending`` (or ``:run from :running``), which means the
status already says what we want: it is treated as done
(https://docs.gitlab.com/ee/api/commits.html#set-the-pipeline-status-of-a-commit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from validator.model import Finding
from validator.scm import comments, markers
from validator.scm.gitlab import payloads
from validator.scm.gitlab.client import GitLabCallError, GitLabSession
from validator.scm.gitlab.position import DiffRefs, position
from validator.scm.outcome import CommentMode, Outcome

__all__ = ["GitLabPublishResult", "GitLabPublishSettings", "GitLabPublisher", "MergeRequestTarget"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")
#: What reading an answer that is not shaped as GitLab documents it raises.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError)
_FINISHED = ("success", "failed", "canceled", "skipped")


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
    mr_project_id: int | None = None
    """The merge request's project when it is not ``project_id``: a fork's pipeline sets the
    status in the fork, the merge request (``iid``) is the target project's; None: the same."""


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
    refused: str = ""
    """Non-empty when GitLab refused the token (401/403) and the publisher stopped writing:
    the step refused and GitLab's answer."""


class GitLabPublisher:
    """Reports one run on one commit (and merge request) through a :class:`GitLabSession`."""

    def __init__(self, session: GitLabSession, target: MergeRequestTarget,
                 settings: GitLabPublishSettings, log: Callable[[str], None] = _log_info) -> None:
        self._session = session
        self._target = target
        self._settings = settings
        self._log = log
        self._project = f"/projects/{target.project_id}"
        self._mr = f"/projects/{target.mr_project_id or target.project_id}/merge_requests/{target.iid}"
        self._user_id: int | None = None
        self._stopped = False
        """A write was refused (401/403) or GitLab is unreachable: no more calls."""
        self._refused = ""
        self._problems: list[str] = []
        self._closed: set[str] = set()
        """Fingerprints whose discussions were closed as fixed (recorded in the summary note)."""
        self._posted = self._kept = self._resolved = self._fallback = 0

    def start(self) -> None:
        """Set the status ``pending`` (the job is picked up)."""
        self._guard("could not set the status pending",
                    lambda: self._set_status("pending", "Waiting to validate"), False)

    def running(self) -> None:
        """Set the status ``running`` (validation begins)."""
        self._guard("could not set the status running",
                    lambda: self._set_status("running", "Validating the change"), False)

    def finished_status(self) -> dict[str, Any] | None:
        """This name's ``success`` / ``failed`` status on the head whose ``target_url`` is the
        target's (an earlier attempt of the same job published it), or None. Raises
        :class:`GitLabCallError` when the statuses cannot be read (the caller decides)."""
        if not self._target.target_url:
            return None
        for status in reversed(self._statuses(every=True)):
            if (status.get("status") in ("success", "failed")
                    and status.get("target_url") == self._target.target_url):
                return dict(status)
        return None

    def cancel(self, reason: str) -> bool:
        """Set the status ``canceled`` (a newer push superseded this head)."""
        return self._guard("could not cancel the status", lambda: self._set_status("canceled", reason), False)

    def complete(self, outcome: Outcome) -> GitLabPublishResult:
        """Set the final status and sync the discussions and the summary note."""
        state = payloads.status_state(outcome)
        status_set = self._guard("could not set the final status", lambda: self._final_status(outcome, state),
                                 False)
        if self._target.iid is not None and self._settings.comments is not CommentMode.OFF:
            self._guard("could not sync the merge request's notes", lambda: self._sync(outcome), None)
        said = state if status_set else f"{state} (not set)"
        self._log(f"GitLab: status {said} on {self._target.head_sha[:12]}; discussions: "
                  f"{self._posted} posted, {self._kept} kept, {self._resolved} resolved, "
                  f"{self._fallback} as general notes; {self._session.calls} API calls")
        return GitLabPublishResult(state=state, status_set=status_set, discussions_posted=self._posted,
                                   discussions_kept=self._kept, discussions_resolved=self._resolved,
                                   notes_fallback=self._fallback, problems=tuple(self._problems),
                                   refused=self._refused)

    # -- commit status -------------------------------------------------------------------------

    def _set_status(self, state: str, description: str) -> bool:
        if self._stopped:
            return False
        target = self._target
        body: dict[str, Any] = {"state": state, "name": target.status_name,
                                "description": _one_line(description)}
        if target.ref:
            body["ref"] = target.ref
        if target.target_url:
            body["target_url"] = target.target_url
        if target.pipeline_id is not None:
            body["pipeline_id"] = target.pipeline_id
        try:
            self._session.post(f"{self._project}/statuses/{target.head_sha}", body)
        except GitLabCallError as err:
            if err.status == 400 and "transition" in err.message.lower():
                self._log(f"GitLab: the status is {state} already ({err.message})")
                return True
            raise
        return True

    def _final_status(self, outcome: Outcome, state: str) -> bool:
        description = _one_line(payloads.status_description(outcome))
        latest = self._statuses(every=False)
        last = latest[-1] if latest else None
        if (last is not None and last.get("status") == state and last.get("description") == description
                and (last.get("target_url") or None) == self._target.target_url):
            return True  # an earlier run (or attempt) said the same: not a second status
        return self._set_status(state, description)

    def _statuses(self, *, every: bool) -> list[dict[str, Any]]:
        """This name's statuses on the head (the latest per ref, or ``every`` one), oldest first."""
        params: dict[str, Any] = {"name": self._target.status_name}
        if self._target.ref:
            params["ref"] = self._target.ref
        if every:
            params["all"] = "true"
        listing = self._session.get_all(
            f"{self._project}/repository/commits/{self._target.head_sha}/statuses", params)
        return sorted((dict(s) for s in listing if isinstance(s, dict)
                       and s.get("name") == self._target.status_name), key=lambda s: int(s.get("id") or 0))

    # -- discussions and the summary note ------------------------------------------------------

    def _sync(self, outcome: Outcome) -> None:
        if self._stopped:
            return
        read = _Read.of(self._session.get_all(f"{self._mr}/discussions"), self._me(),
                        self._target.status_name)
        self._closed = markers.closed_fingerprints(str((read.summary or {}).get("body") or ""))
        closed = self._closed
        outside: list[str] = []
        problems: list[str] = []
        refs = self._target.diff_refs
        if (self._settings.comments is CommentMode.REVIEW and outcome.change is not None
                and not outcome.error):
            if refs is None:  # no diff to place them on: every finding is listed instead
                problems.append("the merge request's diff_refs are unknown: no discussions on the diff")
                outside = list(dict.fromkeys(_describe(f, path, line)
                                             for f, path, line in comments.comment_findings(outcome)))
            else:
                outside, problems = self._sync_discussions(outcome, refs, read, closed)
        if not self._stopped:
            self._guard("could not post the summary note",
                        lambda: self._sync_summary(outcome, read.summary, outside, problems, closed), None)

    def _sync_discussions(self, outcome: Outcome, refs: DiffRefs, read: _Read,
                          closed: set[str]) -> tuple[list[str], list[str]]:
        found = {f.fingerprint for f in outcome.report.findings}
        still: set[str] = set()
        for fingerprint, thread in read.threads.items():
            if fingerprint in found:
                if thread.resolved and fingerprint in closed:
                    continue  # closed as fixed by an earlier run, and back: a new discussion
                closed.discard(fingerprint)
                still.add(fingerprint)
                self._kept += 1
            elif not thread.resolved and not thread.individual:
                self._close_fixed(fingerprint, thread, closed)
            else:
                closed.add(fingerprint)  # resolved by someone, or a general note: nothing to do
        return self._post_new(outcome, refs, still)

    def _close_fixed(self, fingerprint: str, thread: _Thread, closed: set[str]) -> None:
        """Reply "fixed in <sha>" (unless an earlier run did) and resolve the discussion."""
        if self._stopped:
            return

        def close() -> None:
            if not thread.replied_fixed:
                self._session.post(f"{self._mr}/discussions/{thread.discussion_id}/notes",
                                   {"body": payloads.fixed_reply(fingerprint, self._target.head_sha)})
            self._session.put(f"{self._mr}/discussions/{thread.discussion_id}", {"resolved": True})
            self._resolved += 1
            closed.add(fingerprint)

        self._guard(f"could not resolve the discussion of a fixed finding ({fingerprint[:12]})", close, None)

    def _post_new(self, outcome: Outcome, refs: DiffRefs, still: set[str]) -> tuple[list[str], list[str]]:
        change = outcome.change
        files = {f.path: f for f in change.files} if change is not None else {}
        room = max(0, self._settings.max_comments - len(still))
        outside: list[str] = []
        problems: list[str] = []
        seen: set[str] = set()
        over = 0
        for finding, path, line in comments.comment_findings(outcome):
            fingerprint = finding.fingerprint
            if fingerprint in still or fingerprint in seen:
                continue
            file = files.get(path)
            place = position(refs, file, line) if file is not None else None
            if place is None:
                outside.append(_describe(finding, path, line))
                seen.add(fingerprint)
                continue
            seen.add(fingerprint)
            if room <= 0:
                over += 1
                continue
            if self._stopped:
                problems.append(f"{_describe(finding, path, line)}: not posted: writing stopped")
                continue
            room -= self._post_one(outcome, finding, path, line, place=place, problems=problems)
        if over:
            problems.append(f"{over} more findings on the diff beyond the limit of "
                            f"{self._settings.max_comments} discussions (listed in the report)")
        return outside, problems

    def _post_one(self, outcome: Outcome, finding: Finding, path: str, line: int, *,
                  place: dict[str, Any], problems: list[str]) -> int:
        """Post one discussion (or, when GitLab refuses its position, a general note); 1 when
        something was posted or may have been."""
        check = self._target.status_name
        suggestion = comments.suggestion(outcome, finding, path)
        try:
            self._session.post(f"{self._mr}/discussions",
                               {"body": payloads.discussion_body(finding, suggestion, check_name=check),
                                "position": place})
            self._posted += 1
            self._closed.discard(finding.fingerprint)  # back after being fixed: open again
            return 1
        except GitLabCallError as err:
            if err.status != 400:
                self._failed(f"could not post the discussion of {_describe(finding, path, line)}", err)
                problems.append(f"{_describe(finding, path, line)}: not posted ({err.message}); the next "
                                "run posts it if it is missing")
                return 1 if err.ambiguous else 0
            rejected = err.message
        problems.append(f"{_describe(finding, path, line)}: GitLab refused the position ({rejected}); "
                        "posted as a general note")
        note = payloads.fallback_note(finding, suggestion, path, line, rejected, check_name=check)
        try:
            self._session.post(f"{self._mr}/notes", {"body": note})
            self._fallback += 1
        except GitLabCallError as err:
            self._failed(f"could not post the general note of {_describe(finding, path, line)}", err)
        return 1

    def _sync_summary(self, outcome: Outcome, existing: dict[str, Any] | None, outside: list[str],
                      problems: list[str], closed: set[str]) -> None:
        body = payloads.summary_note(outcome, self._target.status_name, outside=outside, problems=problems,
                                     closed=closed)
        if existing is not None:
            if existing.get("body") != body:
                self._session.put(f"{self._mr}/notes/{existing['id']}", {"body": body})
            return
        self._session.post(f"{self._mr}/notes", {"body": body})

    def _me(self) -> int:
        """The token's user id (``GET /user``, once)."""
        if self._user_id is None:
            self._user_id = int(self._session.get("/user")["id"])
        return self._user_id

    # -- faults ----------------------------------------------------------------------------------

    def _guard(self, what: str, action: Callable[[], _T], fallback: _T) -> _T:
        """Run one publishing step; a GitLab fault, or an answer not shaped as GitLab
        documents it, becomes a problem and ``fallback``."""
        try:
            return action()
        except GitLabCallError as err:
            self._failed(what, err)
        except _MALFORMED as err:
            self._problems.append(f"{what}: unexpected answer from GitLab ({type(err).__name__}: {err})")
            self._log(f"GitLab: {what}: unexpected answer ({type(err).__name__}: {err})")
        return fallback

    def _failed(self, what: str, err: GitLabCallError) -> None:
        self._problems.append(f"{what}: {err}")
        if err.forbidden and not self._refused:
            self._refused = f"{what}: {err}"
        if (err.unreachable or err.forbidden) and not self._stopped:
            self._stopped = True
            self._log(f"GitLab: {what}: {err}; no more calls to GitLab for this run")
        else:
            self._log(f"GitLab: {what}: {err}")


@dataclass(frozen=True, kw_only=True)
class _Thread:
    """A discussion (or fallback note) an earlier run posted about one finding."""

    discussion_id: str
    resolved: bool
    individual: bool
    """A general note (the position was refused): it cannot be replied to nor resolved."""
    replied_fixed: bool


@dataclass(frozen=True, kw_only=True)
class _Read:
    """What this user posted on the merge request, read back by markers."""

    threads: dict[str, _Thread] = field(default_factory=dict)
    summary: dict[str, Any] | None = None

    @classmethod
    def of(cls, discussions: list[Any], user_id: int, check_name: str) -> _Read:
        threads: dict[str, _Thread] = {}
        summary: dict[str, Any] | None = None
        for discussion in discussions:
            notes = [n for n in discussion.get("notes") or [] if isinstance(n, dict)]
            ours = [n for n in notes if (n.get("author") or {}).get("id") == user_id and not n.get("system")]
            if not ours:
                continue
            first = ours[0]
            body = str(first.get("body") or "")
            if summary is None and markers.is_summary(body, check_name):
                summary = first
                continue
            fingerprint = markers.finding_fingerprint(body, check_name)
            if fingerprint is None or notes[0] is not first:
                continue  # a marker in a reply is not a thread of ours
            if fingerprint in threads and not threads[fingerprint].resolved:
                continue  # the open one of two (a finding that came back after being fixed)
            threads[fingerprint] = _Thread(
                discussion_id=str(discussion["id"]), individual=bool(discussion.get("individual_note")),
                resolved=bool(first.get("resolvable")) and all(
                    bool(n.get("resolved")) for n in notes if n.get("resolvable")),
                replied_fixed=any(markers.fixed_fingerprint(str(n.get("body") or "")) == fingerprint
                                  for n in ours[1:]))
        return cls(threads=threads, summary=summary)


def _one_line(description: str) -> str:
    return comments.cut_chars(" ".join(description.split()), payloads.MAX_DESCRIPTION_CHARS)


def _describe(finding: Finding, path: str, line: int) -> str:
    return f"{path}:{line} {finding.rule_id}: {finding.message.splitlines()[0] if finding.message else ''}"
