"""What a worker's job function works with: settings, queue, stores, credentials, mirrors, metrics.

One :class:`JobContext` per worker process, shared by its threads: :class:`AppAuth` caches
installation tokens for all of them, :class:`GitLabSessions` opens each GitLab job's session,
and :class:`Mirrors` locks each repository's mirror. Each platform's credentials exist only
when it is configured (``GITHUB_APP_ID``, ``GITLAB_TOKEN``): a job of the other one fails
with a message naming the missing setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import validator
from validator.app.github_app import AppAuth
from validator.app.gitlab_sessions import GitLabSessions
from validator.app.jobs import Backend, EvaluationStore
from validator.app.metrics import AppMetrics
from validator.app.mirror import Mirrors
from validator.app.settings import AppSettings
from validator.errors import ValidatorError
from validator.tools import describe_tools

__all__ = ["JobContext", "PlatformOffError", "build_context"]


class PlatformOffError(ValidatorError):
    """A job of a platform this app is not configured for (its credentials are not set)."""


@dataclass(frozen=True, kw_only=True)
class JobContext:
    """Everything :func:`validator.app.job.process` needs besides the job."""

    settings: AppSettings
    backend: Backend
    """Read for :meth:`Backend.latest_head`: has a newer push superseded the job?"""
    evaluations: EvaluationStore
    auth: AppAuth | None
    """The GitHub App's credentials; None when GitHub is off (``GITHUB_APP_ID`` unset)."""
    mirrors: Mirrors
    metrics: AppMetrics
    gitlab: GitLabSessions | None = None
    """GitLab's sessions; None when GitLab is off (``GITLAB_TOKEN`` unset)."""
    versions: Mapping[str, str] = field(default_factory=dict)
    """The tools' versions (asked once, when the worker starts) and gitops-validator's,
    recorded with every evaluation."""

    @property
    def github(self) -> AppAuth:
        """The GitHub App's credentials, or :class:`PlatformOffError` when GitHub is not configured."""
        if self.auth is None:
            raise PlatformOffError("a GitHub job, but GitHub is off: GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY "
                              "and GITHUB_WEBHOOK_SECRET are not set")
        return self.auth

    @property
    def gitlab_sessions(self) -> GitLabSessions:
        """GitLab's sessions, or :class:`PlatformOffError` when GitLab is not configured."""
        if self.gitlab is None:
            raise PlatformOffError("a GitLab job, but GitLab is off: GITLAB_TOKEN is not set")
        return self.gitlab


def build_context(settings: AppSettings, backend: Backend, evaluations: EvaluationStore,
                  metrics: AppMetrics) -> JobContext:
    """The context of a worker process: mirrors under ``data_dir/mirrors``; the tools'
    versions asked now (a few subprocesses), not in the first job."""
    versions = {info.tool.value: info.version for info in describe_tools()}
    versions["gitops-validator"] = validator.__version__
    return JobContext(versions=versions, settings=settings, backend=backend, evaluations=evaluations,
                      auth=AppAuth(settings, metrics=metrics) if settings.github_enabled else None,
                      gitlab=GitLabSessions(settings, metrics=metrics) if settings.gitlab_enabled else None,
                      mirrors=Mirrors(settings.data_dir / "mirrors", timeout=settings.fetch_timeout,
                                      max_bytes=settings.max_repository_bytes),
                      metrics=metrics)
