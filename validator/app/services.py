"""What one app process holds open: settings, queue backend, evaluation store, metrics.

The web app (``web.py``), the embedded workers and ``gitops-validator worker`` all start from
:func:`open_services`, so the backend choice (SQLite file or Redis) is made in one place
(:mod:`validator.app.backends`).
"""

from __future__ import annotations

from dataclasses import dataclass

from validator.app.backends import open_backend, open_evaluations
from validator.app.jobs import Backend, EvaluationStore
from validator.app.metrics import AppMetrics
from validator.app.settings import AppSettings

__all__ = ["AppServices", "open_services"]


@dataclass(frozen=True, kw_only=True)
class AppServices:
    """The long-lived parts of one process."""

    settings: AppSettings
    backend: Backend
    evaluations: EvaluationStore
    metrics: AppMetrics

    def close(self) -> None:
        """Release the backend's connections."""
        self.backend.close()


def open_services(settings: AppSettings, *, metrics: AppMetrics | None = None) -> AppServices:
    """Open the backend and the evaluation store the settings choose."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    backend = open_backend(settings)
    return AppServices(settings=settings, backend=backend, evaluations=open_evaluations(settings),
                       metrics=metrics or AppMetrics())
