"""The job function: one queued :class:`JobSpec` -> a completed check run (or a reason not to).

Both backends' workers call :func:`process` (and :func:`report_failure` once a job's attempts
are spent). Delivery is at least once, so every step is safe to repeat:

- a pull request job whose head moved on (the pull request's current head, or a newer job of
  its lane) is skipped before anything is posted (superseded);
- a completed check run of this head and name carrying the job's ``external_id`` (its
  evaluation id) and an evaluation saved as finished mean an earlier attempt published in
  full: skipped; a completed run without the finished evaluation means the attempt died
  between the check run and the comments: the same run is completed again and the comments
  synced (found by their markers), so nothing is posted twice and nothing is lost;
- the check run is started (``in_progress``, ``details_url`` the evaluation page), the
  evaluation saved ``running``; base and head fetched into the repository's mirror; the same
  ``run_diff`` as the Action (:func:`validator.action.validate.diff_validation`), with policies
  and configuration from the base; between the stages, a newer push to the lane completes the
  check run ``cancelled`` instead; then the check run completes and the comments sync.

A failure to reach GitHub or git raises (the worker retries the job); a validation error of
the repository's content (a broken configuration file) is this head's verdict: the check run
completes as a failure saying so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from validator.action.validate import failed_outcome
from validator.app.context import JobContext
from validator.app.evaluation import EvaluationState
from validator.app.events import RERUN_ACTION
from validator.app.gitlab_job import process_gitlab, report_gitlab_failure
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
from validator.app.model import JobKind, JobResult, JobSpec, Platform
from validator.app.record import started_evaluation
from validator.errors import ValidatorError
from validator.lifecycle import current
from validator.run_scope import run_scope
from validator.scm.github import payloads
from validator.scm.github.client import GitHubCallError, GitHubSession
from validator.scm.github.publisher import GitHubPublisher, PublishResult, PublishSettings, PublishTarget

__all__ = ["JobResult", "PublishError", "job_functions", "process", "report_failure"]

_LOGGER = logging.getLogger(__name__)


#: The completed check run's button: GitHub sends ``check_run.requested_action`` with its
#: identifier, which intake turns into a rerun of the head (``events.py``).
RERUN_BUTTON = payloads.CheckAction(label="Re-run", description="Validate this head again",
                                    identifier=RERUN_ACTION)

class PublishError(ValidatorError):
    """No check run could be created or completed: the job is retried."""


def process(job: JobSpec, ctx: JobContext) -> JobResult:
    """Run ``job`` to a completed check run (see the module docstring); a GitLab job to its
    final commit status (:func:`validator.app.gitlab_job.process_gitlab`)."""
    if job.platform is Platform.GITLAB:
        return process_gitlab(job, ctx)
    auth = ctx.github
    started = time.monotonic()
    session = auth.installation_session(job.installation_id)
    try:
        # One job of the process's lifecycle and one run scope for all of it, as run_diff's
        # own: the end of the last run scope kills every child still registered, so a job
        # whose git runs outside run_diff (fetch, clone, the head's lines for suggestions)
        # must hold a scope, or another thread's run_diff ending would kill its git.
        with current().job(), run_scope():
            if job.kind is JobKind.COMMIT:
                return _commit(job, ctx, session)
            return _evaluate(job, ctx, session)
    except (GitHubCallError, MirrorError) as err:
        refused = err.status == 401 if isinstance(err, GitHubCallError) else err.token_refused
        if refused:  # revoked, or the installation changed: the retry mints a new one
            auth.forget(job.installation_id)
        raise
    finally:
        auth.count_calls(session)
        _LOGGER.info("job %s (%s %s): %.2f s", job.evaluation_id, job.repository, job.head_sha[:12],
                     time.monotonic() - started)


def job_functions(ctx: JobContext) -> tuple[Callable[[JobSpec], JobResult],
                                            Callable[[JobSpec, str, int], None]]:
    """``perform`` and ``poison`` bound to ``ctx``, as ``WorkerPool``, ``run_worker`` and the
    Redis worker take them (the worker measures the job's duration and counts its result)."""

    def perform(job: JobSpec) -> JobResult:
        return process(job, ctx)

    def poison(job: JobSpec, error: str, attempts: int) -> None:
        report_failure(job, ctx, error, attempts)

    return perform, poison


def report_failure(job: JobSpec, ctx: JobContext, error: str, attempts: int) -> None:
    """A poison job: complete its check run as a failure naming the error and the attempts
    (a GitLab job: its status, :func:`validator.app.gitlab_job.report_gitlab_failure`)."""
    if job.platform is Platform.GITLAB:
        report_gitlab_failure(job, ctx, error, attempts)
        return
    auth = ctx.github
    session = auth.installation_session(job.installation_id)
    try:
        reason = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}: {error}"
        publisher = _publisher(job, ctx, session)
        if publisher.completed_run() is not None:  # reported before (or published): not twice
            return
        published = publisher.complete(failed_outcome(reason))
        ctx.metrics.conclusions.labels(conclusion=published.conclusion).inc()
        ctx.evaluations.save(replace(started_evaluation(job, now()), state=EvaluationState.FAILED,
                                     finished_at=now(), conclusion=published.conclusion, error=reason))
        for problem in published.problems:
            _LOGGER.warning("job %s: not published: %s", job.evaluation_id, problem)
    finally:
        auth.count_calls(session)


def _commit(job: JobSpec, ctx: JobContext, session: GitHubSession) -> JobResult:
    """A head without known pull requests (a fork's check suite): each open one is a job."""
    pulls = session.get_all(f"/repos/{job.repository}/commits/{job.head_sha}/pulls")
    results = []
    for pull in pulls:
        if pull.get("state") != "open" or pull["head"]["sha"] != job.head_sha:
            continue
        each = replace(job, kind=JobKind.PULL_REQUEST, pull_number=int(pull["number"]),
                       base_sha=str(pull["base"]["sha"]), base_ref=str(pull["base"]["ref"]),
                       head_ref=str(pull["head"]["ref"]))
        results.append(_evaluate(each, ctx, session))
    if not results:
        _LOGGER.info("job %s: %s has no open pull request: nothing to check", job.evaluation_id,
                     job.head_sha[:12])
    return JobResult.COMPLETED if JobResult.COMPLETED in results else JobResult.SKIPPED


def _evaluate(job: JobSpec, ctx: JobContext, session: GitHubSession) -> JobResult:
    check_clone_host(job, _web_url(ctx.settings.api_url), platform="GitHub", variable="GITHUB_API_URL")
    base_sha, stale = _stale(job, ctx, session)
    if stale:
        _LOGGER.info("job %s: skipped: %s", job.evaluation_id, stale)
        return JobResult.SKIPPED
    publisher = _publisher(job, ctx, session)
    if (earlier := publisher.completed_run()) is not None:
        stored = ctx.evaluations.get(job.evaluation_id)
        if stored is not None and stored.state in PUBLISHED:  # an earlier attempt published
            _LOGGER.info("job %s: published already: skipped", job.evaluation_id)
            return JobResult.SKIPPED
        # it died after completing the check run, before the comments and the evaluation:
        # the same run is completed again and what is missing posted (found by markers)
        publisher.resume(int(earlier["id"]))
    else:
        publisher.start()
    created = now()
    ctx.evaluations.save(started_evaluation(job, created, base_sha=base_sha))
    token = ctx.github.installation_token(job.installation_id)
    with ctx.mirrors.checkout(job.repository, job.clone_url, token, [base_sha, job.head_sha]) as clone:
        if (cancelled := cancel_if_superseded(job, ctx, publisher.cancel, created,
                                                verdict="check run")) is not None:
            return cancelled
        outcome, validation = validate_change(
            job, ctx, clone, base_sha,
            link_base=f"{_web_url(ctx.settings.api_url)}/{job.repository}/blob/{job.head_sha}")
        if (cancelled := cancel_if_superseded(job, ctx, publisher.cancel, created,
                                                verdict="check run")) is not None:
            return cancelled
        # in the clone: suggestions and the page's source lines quote the head's files
        published = publisher.complete(outcome)
        finished = finished_evaluation(job, base_sha=base_sha, created=created, outcome=outcome,
                                       conclusion=published.conclusion, validation=validation,
                                       versions_of_tools=ctx.versions)
    _published_or_retry(job, published)
    ctx.metrics.conclusions.labels(conclusion=published.conclusion).inc()
    ctx.evaluations.save(finished)
    return JobResult.COMPLETED


def _stale(job: JobSpec, ctx: JobContext, session: GitHubSession) -> tuple[str, str]:
    """The base SHA to compare with, and why the job is not to run (empty: it is)."""
    base_sha = job.base_sha
    if job.pull_number is not None:
        pull = session.get(f"/repos/{job.repository}/pulls/{job.pull_number}")
        if pull.get("state") != "open":
            return base_sha, f"pull request #{job.pull_number} is {pull.get('state')}"
        if pull["head"]["sha"] != job.head_sha and not job.rerun:
            return base_sha, f"superseded: #{job.pull_number} is at {str(pull['head']['sha'])[:12]} now"
        base_sha = base_sha or str(pull["base"]["sha"])
    if (latest := newer_head(job, ctx.backend)) is not None:
        return base_sha, f"superseded by {latest[:12]} in {job.lane}"
    return base_sha, ""


def _publisher(job: JobSpec, ctx: JobContext, session: GitHubSession) -> GitHubPublisher:
    settings = ctx.settings
    details = details_url(settings, job.evaluation_id)
    target = PublishTarget(repository=job.repository, head_sha=job.head_sha, pull_number=job.pull_number,
                           check_name=settings.check_name, details_url=details,
                           external_id=job.evaluation_id, actions=(RERUN_BUTTON,))
    return GitHubPublisher(session, target, PublishSettings(comments=settings.comments,
                                                            max_comments=settings.max_comments))




def _published_or_retry(job: JobSpec, published: PublishResult) -> None:
    for problem in published.problems:
        _LOGGER.warning("job %s: not published: %s", job.evaluation_id, problem)
    if published.check_run_id is None or (published.degraded and not published.check_run_completed):
        raise PublishError(f"{job.repository} {job.head_sha[:12]}: the check run could not be "
                            f"completed: {'; '.join(published.problems) or 'no check run'}")


def _web_url(api_url: str) -> str:
    """github.com for the public API; the host of a GitHub Enterprise Server's ``/api/v3``."""
    api_url = api_url.rstrip("/")
    if api_url == "https://api.github.com":
        return "https://github.com"
    return api_url.removesuffix("/api/v3")
