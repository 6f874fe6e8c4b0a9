"""The steps GitHub and GitLab jobs share (:mod:`validator.app.job`, :mod:`validator.app.gitlab_job`).

Both platforms' jobs follow one recipe: skip a job whose lane moved on, give the status a link
to the signed details page, send the token only to the platform's own git host, and record the
evaluation the same way. What differs (check run or commit status, review comments or
discussions) stays in each job module; what is the same lives here once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from validator.action.validate import Validation, diff_validation, failed_outcome
from validator.app.context import JobContext
from validator.app.details_link import link_key, page_path
from validator.app.evaluation import Evaluation, EvaluationState
from validator.app.jobs import Backend
from validator.app.mirror import MirrorError
from validator.app.model import JobResult, JobSpec
from validator.app.record import evaluation_of, started_evaluation, versions_of
from validator.app.settings import AppSettings
from validator.errors import ValidatorError
from validator.report import RenderOptions
from validator.scm.github import payloads
from validator.scm.outcome import Outcome
from validator.service import DiffRequest

__all__ = ["PUBLISHED", "cancel_if_superseded", "check_clone_host", "details_url", "finished_evaluation",
           "newer_head", "now", "validate_change"]

_LOGGER = logging.getLogger(__name__)

#: Evaluation states saved only after everything was published (status, comments).
PUBLISHED = frozenset({EvaluationState.COMPLETED, EvaluationState.FAILED, EvaluationState.CANCELLED})


def now() -> str:
    """The current time as evaluations store it (ISO 8601, UTC, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def details_url(settings: AppSettings, evaluation_id: str) -> str | None:
    """The evaluation's signed page under ``GITOPS_VALIDATOR_PUBLIC_URL``; None without one."""
    if not settings.public_url:
        return None
    return settings.public_url.rstrip("/") + page_path(evaluation_id, link_key(settings.link_secret))


def newer_head(job: JobSpec, backend: Backend) -> str | None:
    """The lane's newer head, when a later push superseded this job (never for a rerun)."""
    if job.rerun:
        return None
    latest = backend.latest_head(job.lane)
    if latest is None or latest == job.head_sha:
        return None
    _LOGGER.info("job %s: superseded by %s in %s", job.evaluation_id, latest[:12], job.lane)
    return latest


def check_clone_host(job: JobSpec, web_url: str, *, platform: str, variable: str) -> None:
    """The token goes to the platform's own git host only (``web_url``'s host: github.com, a
    GitHub Enterprise Server, ``GITLAB_URL``), whatever URL a payload carries, and over the
    scheme the platform is reached with: an ``http://`` clone URL on an HTTPS instance would
    put the token on the wire in clear text."""
    web, clone = urlsplit(web_url), urlsplit(job.clone_url)
    expected, host = web.netloc.lower(), clone.netloc.lower()
    if host != expected:
        raise MirrorError(f"{job.repository}: clone URL host {host!r} is not on the {platform} host "
                          f"{expected!r} ({variable}): its token is not sent there")
    if clone.scheme.lower() != web.scheme.lower():
        raise MirrorError(f"{job.repository}: clone URL scheme {clone.scheme!r} is not the "
                          f"{web.scheme!r} of {variable}: its token is not sent there")


def finished_evaluation(job: JobSpec, *, base_sha: str, created: str, outcome: Outcome, conclusion: str,
                        validation: Validation | None, versions_of_tools: Mapping[str, str]) -> Evaluation:
    """The evaluation once published: findings, rendered diff, the versions that decided;
    ``conclusion`` in the check-run words the page and metrics use (success, failure)."""
    diff = validation.diff if validation is not None else None
    versions = {**versions_of_tools, **(versions_of(outcome.report, trusted=diff.trusted) if diff else {})}
    state = EvaluationState.FAILED if outcome.error else EvaluationState.COMPLETED
    return evaluation_of(job, outcome, state=state,
                         conclusion=conclusion, created_at=created, finished_at=now(),
                         title=payloads.check_title(outcome), base_sha=base_sha, versions=versions,
                         rendered_diff=diff.diff.text() if diff is not None else "")


def cancel_if_superseded(job: JobSpec, ctx: JobContext, cancel: Callable[[str], object], created: str, *,
                         verdict: str) -> JobResult | None:
    """Between a job's stages: when a newer push moved its lane, ``cancel`` the started check
    run or status (saying where the newer head's ``verdict`` is) and record the evaluation as
    cancelled; None when the job goes on."""
    latest = newer_head(job, ctx.backend)
    if latest is None:
        return None
    cancel(f"A newer push ({latest[:12]}) superseded {job.head_sha[:12]}; its own {verdict} has the verdict.")
    ctx.metrics.conclusions.labels(conclusion="cancelled").inc()
    ctx.evaluations.save(replace(started_evaluation(job, created), state=EvaluationState.CANCELLED,
                                 finished_at=now(), conclusion="cancelled"))
    return JobResult.CANCELLED


def validate_change(job: JobSpec, ctx: JobContext, clone: Path, base_sha: str, *,
                    link_base: str) -> tuple[Outcome, Validation | None]:
    """The job's base against its head in ``clone``, through the same ``run_diff`` as the
    Action and ``gitlab-ci`` (:func:`~validator.action.validate.diff_validation`); findings link
    to ``link_base``/PATH. A validation error of the content (a broken configuration file) is
    this head's verdict: a failed outcome saying so, and no validation."""
    request = DiffRequest(folder=clone, base=base_sha, head=job.head_sha, block=ctx.settings.block)
    try:
        done = diff_validation(request, repo=clone, markdown_options=RenderOptions(link_base=link_base))
    except ValidatorError as err:  # the head's content (or its base's) cannot be validated
        return failed_outcome(str(err)), None
    return done.outcome, done
