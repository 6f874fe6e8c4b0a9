"""What a worker's job function works with: settings, queue, stores, credentials, mirrors, metrics.

One :class:`JobContext` per worker process, shared by its threads: :class:`AppAuth` caches
installation tokens for all of them and :class:`Mirrors` locks each repository's mirror.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import validator
from validator.app.github_app import AppAuth
from validator.app.jobs import Backend, EvaluationStore
from validator.app.metrics import AppMetrics
from validator.app.mirror import Mirrors
from validator.app.settings import AppSettings
from validator.tools import describe_tools

__all__ = ["JobContext", "build_context"]


@dataclass(frozen=True, kw_only=True)
class JobContext:
    """Everything :func:`validator.app.job.process` needs besides the job."""

    settings: AppSettings
    backend: Backend
    """Read for :meth:`Backend.latest_head`: has a newer push superseded the job?"""
    evaluations: EvaluationStore
    auth: AppAuth
    mirrors: Mirrors
    metrics: AppMetrics
    versions: Mapping[str, str] = field(default_factory=dict)
    """The tools' versions (asked once, when the worker starts) and gitops-validator's,
    recorded with every evaluation."""


def build_context(settings: AppSettings, backend: Backend, evaluations: EvaluationStore,
                  metrics: AppMetrics) -> JobContext:
    """The context of a worker process: mirrors under ``data_dir/mirrors``; the tools'
    versions asked now (a few subprocesses), not in the first job."""
    versions = {info.tool.value: info.version for info in describe_tools()}
    versions["gitops-validator"] = validator.__version__
    return JobContext(versions=versions, settings=settings, backend=backend, evaluations=evaluations,
                      auth=AppAuth(settings, metrics=metrics),
                      mirrors=Mirrors(settings.data_dir / "mirrors", timeout=settings.fetch_timeout,
                                      max_bytes=settings.max_repository_bytes),
                      metrics=metrics)
