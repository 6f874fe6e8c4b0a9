"""The job function: one queued :class:`JobSpec` -> a completed check run (or a reason not to).

Both backends' workers call :func:`process` (and :func:`report_failure` once a job's attempts
are spent). Delivery is at least once, so every step is safe to repeat:

- a pull request job whose head moved on (the pull request's current head, or a newer job of
  its lane) is skipped before anything is posted (superseded);
- a completed check run of this head and name carrying the job's ``external_id`` (its
  evaluation id) means an earlier attempt published already: skipped (no second check run,
  the comments are found by their markers anyway);
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

import enum
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from validator.action.validate import Validation, diff_validation, failed_outcome
from validator.app.context import JobContext
from validator.app.evaluation import Evaluation, EvaluationState, SourceLine, StoredFinding
from validator.app.mirror import MirrorError
from validator.app.model import JobKind, JobSpec
from validator.errors import ValidatorError
from validator.model import Finding, FindingStatus
from validator.report import RenderOptions
from validator.scm.github.client import GitHubCallError, GitHubSession
from validator.scm.github.publisher import GitHubPublisher, PublishResult, PublishSettings, PublishTarget
from validator.scm.outcome import Outcome
from validator.service import DiffRequest

__all__ = ["JobResult", "PublishError", "job_functions", "process", "report_failure"]

_LOGGER = logging.getLogger(__name__)
#: Lines of source shown before and after a finding's line on the details page.
CONTEXT_LINES = 3


class JobResult(enum.StrEnum):
    """How a job ended (the worker acknowledges all three)."""

    COMPLETED = "completed"
    """The check run was completed with the verdict."""
    SKIPPED = "skipped"
    """Nothing to do: superseded before it started, already published, or no open pull request."""
    CANCELLED = "cancelled"
    """A newer push superseded it while it ran: its check run was completed ``cancelled``."""


class PublishError(ValidatorError):
    """No check run could be created or completed: the job is retried."""


def process(job: JobSpec, ctx: JobContext) -> JobResult:
    """Run ``job`` to a completed check run (see the module docstring)."""
    started = time.monotonic()
    session = ctx.auth.installation_session(job.installation_id)
    try:
        if job.kind is JobKind.COMMIT:
            return _commit(job, ctx, session)
        return _evaluate(job, ctx, session)
    except (GitHubCallError, MirrorError) as err:
        refused = err.status == 401 if isinstance(err, GitHubCallError) else err.token_refused
        if refused:  # revoked, or the installation changed: the retry mints a new one
            ctx.auth.forget(job.installation_id)
        raise
    finally:
        ctx.auth.count_calls(session)
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
    """A poison job: complete its check run as a failure naming the error and the attempts."""
    session = ctx.auth.installation_session(job.installation_id)
    try:
        reason = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}: {error}"
        publisher = _publisher(job, ctx, session)
        if publisher.completed_run() is not None:  # reported before (or published): not twice
            return
        published = publisher.complete(failed_outcome(reason))
        ctx.metrics.conclusions.labels(conclusion=published.conclusion).inc()
        ctx.evaluations.save(replace(_evaluation(job, EvaluationState.FAILED), finished_at=_now(),
                                     conclusion=published.conclusion, error=reason))
        for problem in published.problems:
            _LOGGER.warning("job %s: not published: %s", job.evaluation_id, problem)
    finally:
        ctx.auth.count_calls(session)


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
    _check_clone_host(job, ctx.settings.api_url)
    base_sha, stale = _stale(job, ctx, session)
    if stale:
        _LOGGER.info("job %s: skipped: %s", job.evaluation_id, stale)
        return JobResult.SKIPPED
    publisher = _publisher(job, ctx, session)
    if publisher.completed_run() is not None:  # an earlier attempt published: nothing twice
        _LOGGER.info("job %s: its check run is completed already: skipped", job.evaluation_id)
        return JobResult.SKIPPED
    publisher.start()
    created = _now()
    ctx.evaluations.save(_evaluation(job, EvaluationState.RUNNING, created_at=created, base_sha=base_sha))
    token = ctx.auth.installation_token(job.installation_id)
    with ctx.mirrors.checkout(job.repository, job.clone_url, token, [base_sha, job.head_sha]) as clone:
        if (cancelled := _cancel_if_superseded(job, ctx, publisher, created)) is not None:
            return cancelled
        request = DiffRequest(folder=clone, base=base_sha, head=job.head_sha, block=ctx.settings.block)
        try:
            done: Validation | str = diff_validation(request, repo=clone, markdown_options=RenderOptions(
                link_base=f"{_web_url(ctx.settings.api_url)}/{job.repository}/blob/{job.head_sha}"))
        except ValidatorError as err:  # the head's content (or its base's) cannot be validated
            done = str(err)
        if (cancelled := _cancel_if_superseded(job, ctx, publisher, created)) is not None:
            return cancelled
        outcome = done.outcome if isinstance(done, Validation) else failed_outcome(done)
        # in the clone: suggestions and the page's source lines quote the head's files
        published = publisher.complete(outcome)
        finished = _finished(job, base_sha=base_sha, created=created, outcome=outcome,
                             published=published,
                             validation=done if isinstance(done, Validation) else None,
                             versions_of_tools=ctx.versions)
    _published_or_retry(job, published)
    ctx.metrics.conclusions.labels(conclusion=published.conclusion).inc()
    ctx.evaluations.save(finished)
    return JobResult.COMPLETED


def _check_clone_host(job: JobSpec, api_url: str) -> None:
    """The installation token goes to GitHub's own git host only (github.com for the public
    API, the GitHub Enterprise Server's host), whatever URL a payload carries."""
    expected = urlsplit(_web_url(api_url)).netloc.lower()
    host = urlsplit(job.clone_url).netloc.lower()
    if host != expected:
        raise MirrorError(f"{job.repository}: clone URL host {host!r} is not on the GitHub host "
                          f"{expected!r} (GITHUB_API_URL): its token is not sent there")


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
    if (latest := _newer(job, ctx)) is not None:
        return base_sha, f"superseded by {latest[:12]} in {job.lane}"
    return base_sha, ""


def _publisher(job: JobSpec, ctx: JobContext, session: GitHubSession) -> GitHubPublisher:
    settings = ctx.settings
    details = (f"{settings.public_url.rstrip('/')}/evaluations/{job.evaluation_id}"
               if settings.public_url else None)
    target = PublishTarget(repository=job.repository, head_sha=job.head_sha, pull_number=job.pull_number,
                           check_name=settings.check_name, details_url=details,
                           external_id=job.evaluation_id)
    return GitHubPublisher(session, target, PublishSettings(comments=settings.comments,
                                                            max_comments=settings.max_comments))


def _newer(job: JobSpec, ctx: JobContext) -> str | None:
    """The lane's newer head, when a later push superseded this job (never for a rerun)."""
    if job.rerun:
        return None
    latest = ctx.backend.latest_head(job.lane)
    if latest is None or latest == job.head_sha:
        return None
    _LOGGER.info("job %s: superseded by %s in %s", job.evaluation_id, latest[:12], job.lane)
    return latest


def _cancel_if_superseded(job: JobSpec, ctx: JobContext, publisher: GitHubPublisher,
                          created: str) -> JobResult | None:
    latest = _newer(job, ctx)
    if latest is None:
        return None
    publisher.cancel(f"A newer push ({latest[:12]}) superseded {job.head_sha[:12]}; "
                     "its own check run has the verdict.")
    ctx.metrics.conclusions.labels(conclusion="cancelled").inc()
    ctx.evaluations.save(replace(_evaluation(job, EvaluationState.CANCELLED, created_at=created),
                                 finished_at=_now(), conclusion="cancelled"))
    return JobResult.CANCELLED


def _published_or_retry(job: JobSpec, published: PublishResult) -> None:
    for problem in published.problems:
        _LOGGER.warning("job %s: not published: %s", job.evaluation_id, problem)
    if published.check_run_id is None or (published.degraded and not published.check_run_completed):
        raise PublishError(f"{job.repository} {job.head_sha[:12]}: the check run could not be "
                            f"completed: {'; '.join(published.problems) or 'no check run'}")


# -- evaluations (what the details page shows) ------------------------------------------------

def _evaluation(job: JobSpec, state: EvaluationState, *, created_at: str = "",
                base_sha: str = "") -> Evaluation:
    return Evaluation(id=job.evaluation_id, repository=job.repository, head_sha=job.head_sha,
                      base_sha=base_sha or job.base_sha, pull_number=job.pull_number, event=job.event,
                      state=state, created_at=created_at or _now())


def _finished(job: JobSpec, *, base_sha: str, created: str, outcome: Outcome, published: PublishResult,
              validation: Validation | None, versions_of_tools: Mapping[str, str]) -> Evaluation:
    report = outcome.report
    findings = [_stored(f, default="new", lines=outcome.head_lines) for f in report.findings]
    findings += [_stored(f, default="fixed", lines=None) for f in report.fixed]
    versions = dict(versions_of_tools)
    if validation is not None and validation.diff is not None:
        versions["policies"] = validation.diff.trusted
    state = EvaluationState.FAILED if outcome.error else EvaluationState.COMPLETED
    return replace(_evaluation(job, state, created_at=created, base_sha=base_sha),
                   finished_at=_now(), conclusion=published.conclusion, error=outcome.error,
                   findings=tuple(findings), versions=versions,
                   rendered_diff=(validation.diff.diff.text()
                                  if validation is not None and validation.diff is not None else ""))


def _stored(finding: Finding, *, default: str,
            lines: Callable[[str], Sequence[str] | None] | None) -> StoredFinding:
    """A finding as the page lists it, with the head's lines around it (none for a fixed
    finding: its line is the base's)."""
    status = finding.status.value if isinstance(finding.status, FindingStatus) else default
    line = finding.location.line or None
    context: tuple[SourceLine, ...] = ()
    text = lines(finding.location.path) if lines is not None and line is not None else None
    if text is not None and line is not None:
        first = max(1, line - CONTEXT_LINES)
        context = tuple(SourceLine(number=n, text=text[n - 1])
                        for n in range(first, min(len(text), line + CONTEXT_LINES) + 1))
    return StoredFinding(status=status, severity=str(finding.severity.value), rule=finding.rule_id,
                         message=finding.message, path=finding.location.path, line=line,
                         resource=str(finding.resource) if finding.resource is not None else "",
                         context=context)


def _web_url(api_url: str) -> str:
    """github.com for the public API; the host of a GitHub Enterprise Server's ``/api/v3``."""
    api_url = api_url.rstrip("/")
    if api_url == "https://api.github.com":
        return "https://github.com"
    return api_url.removesuffix("/api/v3")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
