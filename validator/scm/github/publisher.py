"""Publishing an outcome to GitHub: the check run, the review comments, the summary comment.

:meth:`GitHubPublisher.start` opens the check run as ``in_progress``;
:meth:`GitHubPublisher.complete` finishes it, then syncs the pull request's comments:

- the check run is completed first (it is what branch protection waits for), with the first
  50 annotations; further batches go in earlier PATCHes while it is still in progress;
- review comments (``comments: review``) are read back by their hidden fingerprint markers:
  a finding still found is not commented again, a new one gets a comment in one review, a
  fixed one has its thread resolved (GraphQL) or, where that is not allowed, a reply saying so;
- the summary comment is found by its marker and edited in place, or posted.

GitHub faults never escape: they become :attr:`PublishResult.problems`. A 403 on a write
means the token may not write (a fork's read-only token): the publisher stops writing and
sets :attr:`PublishResult.degraded` so the adapter falls back to workflow commands and the
job summary. A POST that got no answer (a timeout) is never sent again blindly: the
publisher lists what landed; a missing check run is then created, missing comments are
reported (the next run posts them, as it posts whatever its markers do not find).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from validator.scm import markers
from validator.scm.github import graphql, payloads
from validator.scm.github.client import GitHubCallError, GitHubSession
from validator.scm.github.payloads import ReviewComment
from validator.scm.outcome import CommentMode, Outcome

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")
#: What reading an answer that is not shaped as GitHub documents it raises.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError)

#: Annotations sent at most (50 per request): beyond this the summary says how many were left out.
MAX_ANNOTATIONS = 1_000


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
    check_name: str = markers.DEFAULT_CHECK
    """The check run's name (what branch protection requires)."""
    details_url: str | None = None
    """A link to the full run (the workflow run), shown on the check run."""
    actions: tuple[payloads.CheckAction, ...] = ()
    """Buttons the completed check run offers (the webhook app's Re-run); GitHub sends a
    ``check_run.requested_action`` event with the identifier to the app that made the run."""
    external_id: str | None = None
    """The check run's ``external_id``: the webhook app's evaluation id, by which a retried
    job finds the run an earlier attempt completed (:meth:`GitHubPublisher.completed_run`)."""


@dataclass(frozen=True, kw_only=True)
class PublishSettings:
    """How much a run posts on a pull request."""

    comments: CommentMode = CommentMode.REVIEW
    """Review comments plus summary, summary only, or nothing but the check run."""
    max_comments: int = 20
    """The most review comments open on the pull request for findings still found (earlier
    runs' included; new findings first); the rest are annotations and summary lines."""


@dataclass(frozen=True, kw_only=True)
class PublishResult:
    """What reached GitHub, and what did not."""

    check_run_id: int | None
    """The check run's id; None when it could not be created."""
    check_run_completed: bool
    """The check run was completed with its annotations: they need not be shown again as
    workflow commands, whatever else was refused."""
    conclusion: str
    """``success`` or ``failure`` (never ``neutral``: required checks pass on neutral)."""
    degraded: bool
    """A write was refused (403) or the API could not be reached: the adapter must fall back
    to workflow-command annotations and the job summary."""
    comments_posted: int
    """Review comments posted by this run."""
    comments_kept: int
    """Findings still found whose review comment an earlier run posted (not repeated)."""
    threads_resolved: int
    """Review threads of fixed findings resolved (or replied to as fixed)."""
    problems: tuple[str, ...]
    """What could not be published and why (logged by the adapter)."""


@dataclass(frozen=True, kw_only=True)
class _PostedComment:
    """A review comment an earlier run posted, read back from the pull request."""

    id: int
    fingerprint: str
    path: str
    replied_fixed: bool = False
    """A reply of an earlier run says the finding is fixed (its thread could not be resolved)."""


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
        self._repo = f"/repos/{target.repository}"
        self._check_run_id: int | None = None
        self._degraded = False
        self._problems: list[str] = []
        self._posted = self._kept = self._resolved = 0
        self._annotated = False
        self._posted_fingerprints: set[str] = set()
        self._closed: set[str] = set()
        """Fingerprints whose comment threads were closed as fixed (kept in the summary comment)."""

    def start(self) -> None:
        """Mark the check run ``in_progress``: the one for this head SHA and name when it is
        not completed yet, else a new one (GitHub shows the latest run of a name)."""
        self._check_run_id = self._guard("could not start the check run", self._open_check_run, None)

    def completed_run(self) -> dict[str, Any] | None:
        """The completed check run of this head SHA and name whose ``external_id`` is the
        target's (None without one): an earlier attempt of the same job published already."""
        target = self._target
        if not target.external_id:
            return None
        listing = self._session.get(f"{self._repo}/commits/{target.head_sha}/check-runs",
                                    {"check_name": target.check_name, "filter": "all"})
        for run in listing.get("check_runs", []) if isinstance(listing, dict) else []:
            if (run.get("name") == target.check_name and run.get("status") == "completed"
                    and run.get("external_id") == target.external_id):
                return dict(run)
        return None

    def resume(self, check_run_id: int) -> None:
        """Report on ``check_run_id``, a run an earlier attempt of the same job completed
        before it died: :meth:`complete` completes it again (GitHub keeps one run, its latest
        output) and posts the comments that attempt did not (found by their markers)."""
        self._check_run_id = check_run_id

    def cancel(self, reason: str) -> bool:
        """Complete the started check run as ``cancelled`` (a newer push superseded this
        head); False when there was none to complete or GitHub refused."""
        if self._check_run_id is None:
            return False
        body = {"status": "completed", "conclusion": "cancelled", "completed_at": _now(),
                "output": {"title": "Superseded", "summary": reason}}
        url = f"{self._repo}/check-runs/{self._check_run_id}"

        def patch() -> bool:
            self._session.patch(url, body)
            return True

        return self._guard("could not cancel the check run", patch, False)

    def complete(self, outcome: Outcome) -> PublishResult:
        """Complete the check run and sync the pull request's comments; never raises for
        GitHub faults (they are in the result's ``problems``)."""
        conclusion = payloads.conclusion(outcome)
        self._complete_check_run(outcome, conclusion)
        rejected: list[str] = []
        comments = self._settings.comments
        if self._target.pull_number is not None and comments is not CommentMode.OFF:
            unread: tuple[bool, dict[str, Any] | None] = (False, None)
            read = unread if self._degraded else self._guard(
                "could not read the summary comment", lambda: (True, self._summary_comment()), unread)
            summary = read[1]
            self._closed = markers.closed_fingerprints(str(summary.get("body") or "")) if summary else set()
            if comments is CommentMode.REVIEW and outcome.change is not None and not outcome.error:
                rejected = self._guard("could not sync the review comments",
                                       lambda: self._sync_review(outcome), [])
            if read[0]:  # unread, a post could repeat it
                self._guard("could not post the summary comment",
                            lambda: self._sync_summary(outcome, rejected, summary), None)
        self._log(f"GitHub: check run {self._check_run_id} {conclusion}; review comments: "
                  f"{self._posted} posted, {self._kept} kept, {self._resolved} resolved; "
                  f"{self._session.calls} API calls")
        return PublishResult(check_run_id=self._check_run_id, conclusion=conclusion,
                             check_run_completed=self._annotated,
                             degraded=self._degraded, comments_posted=self._posted,
                             comments_kept=self._kept, threads_resolved=self._resolved,
                             problems=tuple(self._problems))

    # -- check run ---------------------------------------------------------------------------

    def _open_check_run(self) -> int | None:
        if self._degraded:
            return None
        target = self._target
        existing = self._find_check_run()
        if existing is not None:
            reopen: dict[str, Any] = {"status": "in_progress", "started_at": _now()}
            if target.external_id:
                reopen["external_id"] = target.external_id
            if target.details_url:
                reopen["details_url"] = target.details_url
            self._session.patch(f"{self._repo}/check-runs/{existing}", reopen)
            return existing
        body: dict[str, Any] = {"name": target.check_name, "head_sha": target.head_sha,
                                "status": "in_progress", "started_at": _now()}
        if target.details_url:
            body["details_url"] = target.details_url
        if target.external_id:
            body["external_id"] = target.external_id
        try:
            return int(self._session.post(f"{self._repo}/check-runs", body)["id"])
        except GitHubCallError as err:
            if not err.ambiguous:
                raise
            return self._find_check_run()  # the POST may have landed: look before re-sending

    def _find_check_run(self) -> int | None:
        """The check run of this head SHA and name that is not completed yet, if any."""
        target = self._target
        listing = self._session.get(f"{self._repo}/commits/{target.head_sha}/check-runs",
                                    {"check_name": target.check_name, "filter": "latest"})
        for run in listing.get("check_runs", []) if isinstance(listing, dict) else []:
            if run.get("name") == target.check_name and run.get("status") != "completed":
                return int(run["id"])
        return None

    def _complete_check_run(self, outcome: Outcome, conclusion: str) -> None:
        notes: list[str] = []
        notes_all = payloads.check_annotations(outcome.report)
        if len(notes_all) > MAX_ANNOTATIONS:
            notes.append(f"{len(notes_all) - MAX_ANNOTATIONS} findings beyond the first "
                         f"{MAX_ANNOTATIONS} are not annotated; they are all in the report.")
        output = {"title": payloads.check_title(outcome),
                  "summary": payloads.check_summary(outcome, notes=notes)}
        batches = payloads.batches(notes_all[:MAX_ANNOTATIONS])
        if self._check_run_id is None:
            self._check_run_id = self._guard("could not create the check run",
                                             self._open_check_run, None)
        if self._check_run_id is None or self._degraded:
            return
        url = f"{self._repo}/check-runs/{self._check_run_id}"
        every_batch = len(notes_all) <= MAX_ANNOTATIONS
        for batch in batches[:-1]:  # appended while in progress; the last one completes it
            body = {"output": {**output, "annotations": list(batch)}}
            problems = len(self._problems)
            self._guard("could not send a batch of annotations",
                        functools.partial(self._session.patch, url, body), None)
            every_batch = every_batch and len(self._problems) == problems
        final: dict[str, Any] = {"status": "completed", "conclusion": conclusion,
                                 "completed_at": _now(), "output": dict(output)}
        if self._target.actions:
            final["actions"] = [action.body() for action in self._target.actions]
        if batches[-1]:
            final["output"]["annotations"] = list(batches[-1])
        try:
            self._session.patch(url, final)
            self._annotated = every_batch
        except GitHubCallError as err:
            self._failed("could not complete the check run", err)
            if not err.forbidden:  # complete it at least without the annotations
                final["output"] = {**output, "summary": payloads.check_summary(
                    outcome, notes=[*notes, "Annotations could not be sent: " + str(err)])}
                self._guard("could not complete the check run without annotations",
                            lambda: self._session.patch(url, final), None)

    # -- review comments ---------------------------------------------------------------------

    def _sync_review(self, outcome: Outcome) -> list[str]:
        if self._degraded:
            return []
        ours = self._posted_comments()
        found = {f.fingerprint for f in outcome.report.findings}
        # closed as fixed by an earlier run: resolved (the summary comment's record) or
        # replied to on every comment; a closed finding that is found again is commented again
        closed = {fp for fp, posted in ours.items()
                  if fp in self._closed or all(c.replied_fixed for c in posted)}
        already = ours.keys() - closed
        self._kept = len(found & already)
        # max_comments bounds the comments open on the pull request, not one run's: the
        # comments of earlier runs whose findings are still found count against it
        room = max(0, self._settings.max_comments - self._kept)
        new = payloads.review_comments(outcome, already=already, limit=room,
                                       check_name=self._target.check_name)
        rejected = self._post_review(new) if new else []
        self._closed = (self._closed & ours.keys()) - self._posted_fingerprints
        fixed = [c for fp, posted in ours.items() if fp not in found and fp not in closed
                 for c in posted if not c.replied_fixed]
        if fixed:
            self._close_fixed(fixed)
        return rejected

    def _posted_comments(self) -> dict[str, list[_PostedComment]]:
        """Earlier runs' finding comments by fingerprint (each knowing whether a reply says
        its finding is fixed). Only bots' comments count (the Actions token and GitHub Apps
        post as bots): a person's comment carrying a copied marker must not stand for the
        bot's, or the pull request's author could keep a finding from being commented."""
        ours: dict[str, list[_PostedComment]] = {}
        replied: set[int] = set()
        for item in self._session.get_all(f"{self._repo}/pulls/{self._target.pull_number}/comments"):
            if not _by_bot(item):
                continue
            body = str(item.get("body") or "")
            if item.get("in_reply_to_id"):
                if markers.fixed_fingerprint(body) is not None:
                    replied.add(int(item["in_reply_to_id"]))
            elif (fingerprint := markers.finding_fingerprint(body, self._target.check_name)) is not None:
                ours.setdefault(fingerprint, []).append(
                    _PostedComment(id=int(item["id"]), fingerprint=fingerprint,
                                   path=str(item.get("path", ""))))
        return {fp: [replace(c, replied_fixed=c.id in replied) for c in posted]
                for fp, posted in ours.items()}

    def _post_review(self, comments: Sequence[ReviewComment]) -> list[str]:
        """Post ``comments`` in one review; when GitHub rejects it (422: a comment it cannot
        place), split it until the rejected comments are found and post the rest. Returns
        the descriptions of the comments that were not posted."""
        if not comments:
            return []
        if self._degraded:
            return [_describe(c, "not posted: writing stopped") for c in comments]
        try:
            self._send_review(comments)
        except GitHubCallError as err:
            return self._review_refused(comments, err)
        self._posted += len(comments)
        self._posted_fingerprints.update(c.fingerprint for c in comments)
        return []

    def _review_refused(self, comments: Sequence[ReviewComment], err: GitHubCallError) -> list[str]:
        if err.status == 422:
            if len(comments) == 1:
                return [_describe(comments[0], f"rejected by GitHub: {err.message}")]
            half = len(comments) // 2
            return self._post_review(comments[:half]) + self._post_review(comments[half:])
        if err.ambiguous:
            return self._post_missing(comments, err)
        self._failed("could not post the review", err)
        return [_describe(c, f"not posted: {err.message}") for c in comments]

    def _send_review(self, comments: Sequence[ReviewComment]) -> None:
        self._session.post(f"{self._repo}/pulls/{self._target.pull_number}/reviews",
                           {"commit_id": self._target.head_sha, "event": "COMMENT",
                            "body": payloads.review_body(comments),
                            "comments": [c.payload() for c in comments]})

    def _post_missing(self, comments: Sequence[ReviewComment], err: GitHubCallError) -> list[str]:
        """After a review POST that got no answer: count what landed. What did not is not sent
        again (GitHub may still be acting on it, and a second review would repeat every
        comment); it is reported, and the next run posts whatever is still missing."""
        landed = self._posted_comments()
        missing = [c for c in comments if c.fingerprint not in landed]
        self._posted += len(comments) - len(missing)
        self._posted_fingerprints.update(c.fingerprint for c in comments if c.fingerprint in landed)
        if missing:
            self._failed("the review got no answer", err)
        return [_describe(c, "not confirmed (GitHub did not answer); the next run posts it "
                          "if it is missing") for c in missing]

    def _close_fixed(self, fixed: Sequence[_PostedComment]) -> None:
        """Resolve the threads of fixed findings; reply "fixed" where resolving is refused."""
        none: dict[int, tuple[str, bool]] = {}
        threads = self._guard("could not read the review threads", self._review_threads, none)
        for comment in fixed:
            if self._degraded:
                return
            thread = threads.get(comment.id)
            if thread is not None and thread[1]:
                self._closed.add(comment.fingerprint)
                continue  # already resolved (by a person or an earlier run)
            if thread is not None:
                try:
                    self._session.graphql(graphql.RESOLVE_THREAD, {"threadId": thread[0]}, write=True)
                    self._resolved += 1
                    self._closed.add(comment.fingerprint)
                    continue
                except GitHubCallError as err:
                    if err.status not in (401, 403):
                        self._problems.append(f"could not resolve the thread of {comment.path}: {err}")
                        continue
                    self._log(f"GitHub: resolving review threads is not allowed ({err.message}); "
                              "replying instead")
            self._reply_fixed(comment)

    def _reply_fixed(self, comment: _PostedComment) -> None:
        try:
            self._session.post(f"{self._repo}/pulls/{self._target.pull_number}/comments",
                               {"body": payloads.fixed_reply(comment.fingerprint, self._target.head_sha),
                                "commit_id": self._target.head_sha, "path": comment.path,
                                "in_reply_to": comment.id})
            self._resolved += 1
        except GitHubCallError as err:
            self._failed(f"could not reply to the fixed finding's comment on {comment.path}", err)

    def _review_threads(self) -> dict[int, tuple[str, bool]]:
        """Thread id and resolved state by the database id of each thread's first comment."""
        owner, name = self._target.repository.split("/", 1)
        threads: dict[int, tuple[str, bool]] = {}
        cursor: str | None = None
        for _ in range(30):  # 100 threads per page
            data = self._session.graphql(graphql.REVIEW_THREADS, {
                "owner": owner, "name": name, "number": self._target.pull_number, "cursor": cursor})
            page = data["repository"]["pullRequest"]["reviewThreads"]
            for node in page.get("nodes") or []:
                first = (node.get("comments") or {}).get("nodes") or []
                if first and first[0].get("databaseId") is not None:
                    threads[int(first[0]["databaseId"])] = (str(node["id"]), bool(node.get("isResolved")))
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            cursor = info.get("endCursor")
        return threads

    # -- summary comment ---------------------------------------------------------------------

    def _sync_summary(self, outcome: Outcome, rejected: Sequence[str],
                      existing: dict[str, Any] | None) -> None:
        if self._degraded:
            return
        number = self._target.pull_number
        body = payloads.summary_comment(outcome, self._target.check_name, rejected, self._closed)
        if existing is not None:
            if existing.get("body") != body:
                self._session.patch(f"{self._repo}/issues/comments/{existing['id']}", {"body": body})
            return
        try:
            self._session.post(f"{self._repo}/issues/{number}/comments", {"body": body})
        except GitHubCallError as err:
            if err.ambiguous and self._summary_comment() is not None:
                return  # no answer, but it landed (not re-sent: that could post it twice)
            raise

    def _summary_comment(self) -> dict[str, Any] | None:
        """The summary comment an earlier run posted: the marker in a comment by a bot (the
        Actions token and GitHub Apps post as bots), so a person quoting it is not edited."""
        for item in self._session.get_all(f"{self._repo}/issues/{self._target.pull_number}/comments"):
            if _by_bot(item) and markers.is_summary(str(item.get("body") or ""), self._target.check_name):
                return dict(item)
        return None

    # -- faults ------------------------------------------------------------------------------

    def _guard(self, what: str, action: Callable[[], _T], fallback: _T) -> _T:
        """Run one publishing step; a GitHub fault, or an answer not shaped as GitHub
        documents it, becomes a problem and ``fallback``."""
        try:
            return action()
        except GitHubCallError as err:
            self._failed(what, err)
        except _MALFORMED as err:
            self._problems.append(f"{what}: unexpected answer from GitHub ({type(err).__name__}: {err})")
            self._log(f"GitHub: {what}: unexpected answer ({type(err).__name__}: {err})")
        return fallback

    def _failed(self, what: str, err: GitHubCallError) -> None:
        self._problems.append(f"{what}: {err}")
        if err.unreachable and not self._degraded:
            self._degraded = True
            self._log(f"GitHub API unreachable ({err}): no more calls; falling back to "
                      "workflow-command annotations and the job summary")
        elif err.forbidden and not self._degraded:
            self._degraded = True
            self._log(f"GitHub refused a write ({err}): the token cannot write here (a fork's "
                      "read-only token, or missing checks/pull-requests permissions); no more "
                      "writes: falling back to workflow-command annotations and the job summary")
        else:
            self._log(f"GitHub: {what}: {err}")


def _by_bot(item: Any) -> bool:
    user = item.get("user") if isinstance(item, dict) else None
    return isinstance(user, dict) and user.get("type") == "Bot"


def _describe(comment: ReviewComment, why: str) -> str:
    return f"{comment.path}:{comment.line} {comment.rule_id}: review comment {why}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

