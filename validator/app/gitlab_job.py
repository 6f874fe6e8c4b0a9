"""The job function for GitLab: one queued merge request job -> a final commit status.

The same steps and guarantees as :mod:`validator.app.job`, with GitLab's parts:

- the merge request is read (``GET /projects/:id/merge_requests/:iid``): not ``opened``, or
  at another head (unless the job is a rerun), or its lane moved on
  (:meth:`Backend.latest_head`): skipped before anything is posted;
- a final status of this name on the head linking this evaluation's page
  (:meth:`~validator.scm.gitlab.publisher.GitLabPublisher.finished_status`) and a saved
  finished evaluation mean an earlier attempt published in full: skipped; a final status
  without the finished evaluation means the attempt died between the status and the
  discussions: the publisher runs again (it finds the discussions by their markers), so
  nothing is posted twice and nothing is lost;
- the status goes ``pending``, the evaluation is saved ``running``; base
  (``diff_refs.base_sha``) and head are fetched into the project's mirror with
  ``GITLAB_TOKEN`` in a header (a fork's commits are in the target project, which GitLab
  serves by SHA); the status goes ``running``; the same ``run_diff`` as everywhere
  (:func:`validator.action.validate.diff_validation`); a newer push meanwhile sets the
  status ``canceled`` instead; then the publisher sets the final status and syncs the
  discussions and the summary note.

GitLab's words become the check run's where the app keeps one vocabulary: an evaluation and
the conclusions metric say ``failure`` / ``cancelled`` for GitLab's ``failed`` / ``canceled``.
A failure to reach GitLab (5xx, no answer, a rate limit beyond the wait) raises and the worker
retries; a refused token (401/403, or 404: GitLab's answer for what a token may not see) raises
a :class:`GitLabAccessError` naming what the token lacks; a validation error of the content is
this head's verdict (status ``failed`` saying so).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from validator.action.validate import failed_outcome
from validator.app.context import JobContext
from validator.app.evaluation import EvaluationState
from validator.app.gitlab_events import RERUN_EVENT
from validator.app.job_steps import (
    PUBLISHED,
    cancel_if_superseded,
    check_clone_host,
    details_url,
    finished_evaluation,
    newer_head,
    now,
    validate_change,
)
from validator.app.mirror import MirrorError
from validator.app.model import JobResult, JobSpec, Platform
from validator.app.record import started_evaluation
from validator.errors import ValidatorError
from validator.lifecycle import current
from validator.run_scope import run_scope
from validator.scm.gitlab.client import GitLabCallError, GitLabSession
from validator.scm.gitlab.position import DiffRefs
from validator.scm.gitlab.publisher import (
    GitLabPublisher,
    GitLabPublishResult,
    GitLabPublishSettings,
    MergeRequestTarget,
)

__all__ = ["DiffNotReadyError", "GitLabAccessError", "GitLabPublishError", "ProjectMismatchError",
           "conclusion_of", "may_rerun", "process_gitlab", "report_gitlab_failure", "verify_project"]

_LOGGER = logging.getLogger(__name__)

#: GitLab's final status states in the words evaluations and metrics use (the check run's).
_CONCLUSIONS = {"success": "success", "failed": "failure", "canceled": "cancelled"}

#: GitLab's Developer access level: the least that may ask for a rerun with a note.
_DEVELOPER = 30

#: What ``GITLAB_TOKEN`` needs, said when GitLab refuses it.
_NEEDS = ("the token needs the api scope (read_repository alone cannot set statuses or post "
          "discussions) and at least the Developer role in the project (Maintainer when the "
          "source branch is protected: GitLab refuses commit statuses on protected branches to "
          "Developers)")


#: A publisher problem that is GitLab refusing the token (how GitLabCallError words it).


class GitLabAccessError(ValidatorError):
    """GitLab refused ``GITLAB_TOKEN`` (401: unknown, revoked or expired; 403: not allowed)."""


class GitLabPublishError(ValidatorError):
    """The final commit status could not be set: the job is retried."""


class ProjectMismatchError(ValidatorError):
    """The job's project id is not the project its delivery was authorized for: GitLab says
    the id has another path (or another clone URL) than the payload that queued the job."""


class DiffNotReadyError(ValidatorError):
    """The merge request's ``diff_refs`` are not this head's yet (GitLab computes a pushed
    diff in the background): the job is retried, so discussions get their positions."""


def conclusion_of(state: str) -> str:
    """GitLab's final status state as the app's conclusion (``failed`` -> ``failure``)."""
    return _CONCLUSIONS.get(state, state)


def process_gitlab(job: JobSpec, ctx: JobContext) -> JobResult:
    """Run ``job`` (``platform=gitlab``) to a final status (see the module docstring)."""
    sessions = ctx.gitlab_sessions
    started = time.monotonic()
    session = sessions.session()
    try:
        # one lifecycle job and one run scope for all of it, as job.process (git runs outside
        # run_diff must not be killed by another thread's run ending)
        with current().job(), run_scope():
            return _evaluate(job, ctx, session)
    except GitLabCallError as err:
        if err.forbidden or err.status == 404:
            raise GitLabAccessError(_refused(job, err, sessions.url)) from err
        raise
    except MirrorError as err:
        if err.token_refused:
            raise GitLabAccessError(f"{err}: {_NEEDS}; git over HTTPS needs read_repository or api "
                                    "and at least the Reporter role") from err
        raise
    finally:
        sessions.done(session)
        _LOGGER.info("job %s (%s!%s %s): %.2f s", job.evaluation_id, job.repository, job.pull_number,
                     job.head_sha[:12], time.monotonic() - started)


def report_gitlab_failure(job: JobSpec, ctx: JobContext, error: str, attempts: int) -> None:
    """A poison job: set its status ``failed`` naming the error and the attempts (once)."""
    sessions = ctx.gitlab_sessions
    session = sessions.session()
    try:
        reason = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}: {error}"
        try:
            verify_project(job, session)
        except ProjectMismatchError as err:  # not the project the delivery may speak for: no report
            _LOGGER.error("job %s: poison report not posted: %s", job.evaluation_id, err)
            return
        publisher = _publisher(job, ctx, session, diff_refs=None, pipeline=_pipeline_now(job, session))
        if publisher.finished_status() is not None:  # reported before (or published): not twice
            return
        published = publisher.complete(failed_outcome(reason))
        conclusion = conclusion_of(published.state)
        ctx.metrics.conclusions.labels(conclusion=conclusion).inc()
        ctx.evaluations.save(replace(started_evaluation(job, now()), state=EvaluationState.FAILED,
                                     finished_at=now(), conclusion=conclusion, error=reason))
        for problem in published.problems:
            _LOGGER.warning("job %s: not published: %s", job.evaluation_id, problem)
    finally:
        sessions.done(session)


@dataclass(frozen=True, kw_only=True)
class _MergeRequest:
    """What the job reads of the merge request: why not to run (empty: run) and its diff."""

    stale: str
    base_sha: str
    diff_refs: DiffRefs | None
    pipeline: tuple[int, str] | None = None
    """The merge request's head pipeline of this head (id, ref): the status joins it."""


def _evaluate(job: JobSpec, ctx: JobContext, session: GitLabSession) -> JobResult:
    sessions = ctx.gitlab_sessions
    check_clone_host(job, sessions.url, platform="GitLab", variable="GITLAB_URL")
    verify_project(job, session)
    if (refused := may_rerun(job, session)) is not None:
        _LOGGER.info("job %s: skipped: %s", job.evaluation_id, refused)
        return JobResult.SKIPPED
    merge_request = _read(job, ctx, session)
    if merge_request.stale:
        _LOGGER.info("job %s: skipped: %s", job.evaluation_id, merge_request.stale)
        return JobResult.SKIPPED
    base_sha = merge_request.base_sha
    stored = ctx.evaluations.get(job.evaluation_id)
    if stored is not None and stored.state in PUBLISHED:  # saved only once all was published
        _LOGGER.info("job %s: published already: skipped", job.evaluation_id)
        return JobResult.SKIPPED
    publisher = _publisher(job, ctx, session, diff_refs=merge_request.diff_refs,
                           pipeline=merge_request.pipeline)
    # a final status linking this evaluation without the finished evaluation: the attempt died
    # after the status, before the discussions; the publisher runs again (no new status) and
    # posts what is missing (found by markers)
    resumed = publisher.finished_status() is not None
    if not resumed:
        publisher.start()
    created = now()
    ctx.evaluations.save(started_evaluation(job, created, base_sha=base_sha))
    with ctx.mirrors.checkout(job.repository, job.clone_url, sessions.token, [base_sha, job.head_sha],
                              platform=Platform.GITLAB) as clone:
        if (cancelled := cancel_if_superseded(job, ctx, publisher.cancel, created,
                                                verdict="status")) is not None:
            return cancelled
        if not resumed:
            publisher.running()
        outcome, validation = validate_change(
            job, ctx, clone, base_sha, link_base=f"{sessions.url}/{job.repository}/-/blob/{job.head_sha}")
        if (cancelled := cancel_if_superseded(job, ctx, publisher.cancel, created,
                                                verdict="status")) is not None:
            return cancelled
        published = publisher.complete(outcome)  # in the clone: the page quotes the head's lines
        finished = finished_evaluation(job, base_sha=base_sha, created=created, outcome=outcome,
                                       conclusion=conclusion_of(published.state), validation=validation,
                                       versions_of_tools=ctx.versions)
    _published_or_retry(job, published)
    ctx.metrics.conclusions.labels(conclusion=finished.conclusion).inc()
    ctx.evaluations.save(finished)
    return JobResult.COMPLETED


def verify_project(job: JobSpec, session: GitLabSession) -> None:
    """GitLab says project ``job.project_id`` is ``job.repository`` and is cloned from
    ``job.clone_url``; else :class:`ProjectMismatchError`, before anything is read or written.

    Intake checks a per-group or project webhook secret against the payload's
    ``path_with_namespace``, but the job acts on the payload's project id and fetches from its
    ``git_http_url``: three values of one sender. Without this check a holder of team A's
    secret could name A's path with B's project id (the job would then set statuses and post
    discussions on B's merge request) or B's clone URL (the job would fetch B's content into
    A's mirror and quote it on A's merge request). GitLab's hook builder sends
    ``git_http_url`` as the project's ``http_url_to_repo``, so a genuine delivery matches.
    """
    data: Any = session.get(f"/projects/{job.project_id}")
    path = data.get("path_with_namespace") if isinstance(data, dict) else None
    clone_url = data.get("http_url_to_repo") if isinstance(data, dict) else None
    if not isinstance(path, str) or path.strip("/").lower() != job.repository.strip("/").lower():
        raise ProjectMismatchError(f"{job.repository}: project id {job.project_id} is {path!r} on GitLab, "
                                   "not the project the delivery was authorized for: refused")
    if clone_url != job.clone_url:
        raise ProjectMismatchError(f"{job.repository}: the delivery's clone URL is not the project's "
                                   f"http_url_to_repo ({clone_url!r}): refused")


def may_rerun(job: JobSpec, session: GitLabSession) -> str | None:
    """None when ``job`` is not a rerun command or its note's author has at least the
    Developer role in the project (direct or inherited:
    ``GET /projects/:id/members/all/:user_id``); else why it is not run. Anyone who may
    comment sends the command (on a public project, any signed-in user), and each is a full
    validation and a new status: as on GitHub, where only people with write access re-run a
    check, a guest, a reporter or a non-member costs one API read."""
    if job.event != RERUN_EVENT:
        return None
    if job.requested_by <= 0:
        return "a rerun command without its author: not run"
    try:
        member: Any = session.get(f"/projects/{job.project_id}/members/all/{job.requested_by}")
    except GitLabCallError as err:
        if err.status == 404:
            return f"user {job.requested_by} asked for a rerun but is not a member of {job.repository}"
        raise
    level = member.get("access_level") if isinstance(member, dict) else None
    if not isinstance(level, int) or level < _DEVELOPER:
        return (f"user {job.requested_by} asked for a rerun with access level {level} in {job.repository} "
                f"(Developer, {_DEVELOPER}, is needed)")
    return None


def _read(job: JobSpec, ctx: JobContext, session: GitLabSession) -> _MergeRequest:
    """The merge request as GitLab has it now; a job without one (never queued by intake)
    runs on the job's own base."""
    if job.pull_number is None:
        stale = "" if (latest := newer_head(job, ctx.backend)) is None else f"superseded by {latest[:12]}"
        return _MergeRequest(stale=stale, base_sha=job.base_sha, diff_refs=None)
    data: Any = session.get(f"/projects/{job.project_id}/merge_requests/{job.pull_number}")
    if not isinstance(data, dict):
        raise GitLabPublishError(f"{job.repository}!{job.pull_number}: GitLab answered the merge "
                                 f"request with a {type(data).__name__}, not an object")
    state, head = str(data.get("state", "")), str(data.get("sha") or "")
    refs = _diff_refs(data.get("diff_refs"))
    if state != "opened":
        return _MergeRequest(stale=f"merge request !{job.pull_number} is {state}", base_sha="",
                             diff_refs=None)
    if head != job.head_sha and not job.rerun:
        return _MergeRequest(stale=f"superseded: !{job.pull_number} is at {head[:12]} now",
                             base_sha="", diff_refs=None)
    if (latest := newer_head(job, ctx.backend)) is not None:
        return _MergeRequest(stale=f"superseded by {latest[:12]} in {job.lane}", base_sha="", diff_refs=None)
    if refs is not None and refs.head_sha == job.head_sha:  # the diff GitLab shows: positions fit it
        return _MergeRequest(stale="", base_sha=refs.base_sha, diff_refs=refs,
                             pipeline=_head_pipeline(job, data.get("head_pipeline")))
    if head == job.head_sha:  # GitLab computes a push's diff in the background: not there yet
        raise DiffNotReadyError(f"{job.repository}!{job.pull_number}: GitLab has not computed the diff "
                                f"of {job.head_sha[:12]} yet (diff_refs "
                                f"{'missing' if refs is None else 'of ' + refs.head_sha[:12]}): retried")
    # a rerun of a head the merge request has left: its diff_refs are another head's, so no
    # positioned discussions (findings go to the summary note)
    base_sha = job.base_sha or (refs.base_sha if refs is not None else "")
    if not base_sha:
        raise DiffNotReadyError(f"{job.repository}!{job.pull_number}: no base to compare "
                                f"{job.head_sha[:12]} with (the job has none, GitLab gave no diff_refs)")
    return _MergeRequest(stale="", base_sha=base_sha, diff_refs=None)


def _pipeline_now(job: JobSpec, session: GitLabSession) -> tuple[int, str] | None:
    """The head pipeline a poison report's status joins (where the attempts' ``pending`` is),
    read as well as GitLab answers; None when it cannot be read."""
    if job.pull_number is None:
        return None
    try:
        data = session.get(f"/projects/{job.project_id}/merge_requests/{job.pull_number}")
    except GitLabCallError as err:
        _LOGGER.warning("job %s: the merge request could not be read (%s): the status names the "
                        "source branch", job.evaluation_id, err)
        return None
    return _head_pipeline(job, data.get("head_pipeline")) if isinstance(data, dict) else None


def _head_pipeline(job: JobSpec, data: Any) -> tuple[int, str] | None:
    """The merge request's head pipeline when it is this head's, in this project: GitLab's
    "Pipelines must succeed" gates on that pipeline, so the status joins it (``pipeline_id``
    and its ``ref``, ``refs/merge-requests/<iid>/head`` for a merge request pipeline). Without
    one the status names the source branch and GitLab makes an external pipeline for it, which
    becomes the head pipeline of a project without CI."""
    if not isinstance(data, dict) or data.get("sha") != job.head_sha:
        return None
    if data.get("project_id") not in (None, job.project_id):  # a fork's pipeline: not ours to join
        return None
    pipeline_id, ref = data.get("id"), data.get("ref")
    if not isinstance(pipeline_id, int) or isinstance(pipeline_id, bool) or pipeline_id <= 0:
        return None
    return (pipeline_id, ref) if isinstance(ref, str) and ref else None


def _diff_refs(data: Any) -> DiffRefs | None:
    """The merge request's ``diff_refs``; None while GitLab has not computed them (null)."""
    if not data:
        return None
    try:
        return DiffRefs.from_api(data)
    except ValueError as err:
        _LOGGER.warning("a merge request's diff_refs are malformed (%s): no positioned discussions", err)
        return None


def _publisher(job: JobSpec, ctx: JobContext, session: GitLabSession, *,
               diff_refs: DiffRefs | None, pipeline: tuple[int, str] | None = None) -> GitLabPublisher:
    settings = ctx.settings
    pipeline_id, ref = pipeline if pipeline is not None else (None, job.head_ref)
    target = MergeRequestTarget(project_id=job.project_id, project_path=job.repository,
                                head_sha=job.head_sha, iid=job.pull_number, diff_refs=diff_refs,
                                ref=ref, pipeline_id=pipeline_id, status_name=settings.check_name,
                                target_url=details_url(settings, job.evaluation_id))
    return GitLabPublisher(session, target, GitLabPublishSettings(comments=settings.comments,
                                                                  max_comments=settings.max_comments))



def _published_or_retry(job: JobSpec, published: GitLabPublishResult) -> None:
    for problem in published.problems:
        _LOGGER.warning("job %s: not published: %s", job.evaluation_id, problem)
    if not published.status_set:
        if published.refused:  # the publisher stopped at GitLab's 401/403
            raise GitLabAccessError(f"{job.repository}: GITLAB_TOKEN may not publish: {published.refused}; "
                                    f"{_NEEDS}")
        raise GitLabPublishError(f"{job.repository} {job.head_sha[:12]}: the commit status could not "
                                 f"be set: {'; '.join(published.problems) or 'no status'}")


def _refused(job: JobSpec, err: GitLabCallError, url: str) -> str:
    if err.status == 404:  # GitLab answers 404 for what the token may not see
        return (f"{job.repository}: not found (HTTP 404): the project or merge request was deleted, "
                f"or GITLAB_TOKEN cannot see the project (a project access token sees its own project "
                f"only, a group access token its group's), or GITLAB_URL ({url}) is not the "
                f"instance's root (the API called is {url}/api/v4): {err}")
    if err.status == 401:
        return (f"{job.repository}: GitLab refused GITLAB_TOKEN (HTTP 401: unknown, revoked or "
                f"expired): {err}")
    return f"{job.repository}: GITLAB_TOKEN may not do this (HTTP {err.status}): {err}; {_NEEDS}"
