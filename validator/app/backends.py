"""The queue and the evaluation store the settings ask for: embedded (SQLite files in the data
folder, the default) or Redis (``GITOPS_VALIDATOR_REDIS_URL``, shared by replicas and workers).

The Redis modules are imported only when chosen, so the embedded app needs neither the
``redis`` client nor Dramatiq.
"""

from __future__ import annotations

import importlib

from validator.app.evaluations_sqlite import SqliteEvaluations
from validator.app.jobs import Backend, EvaluationStore
from validator.app.queue.sqlite import SqliteBackend
from validator.app.settings import AppSettings

__all__ = ["EVALUATIONS_FILE", "QUEUE_FILE", "open_backend", "open_evaluations", "open_sqlite_queue"]

QUEUE_FILE = "queue.sqlite3"
EVALUATIONS_FILE = "evaluations.sqlite3"


def open_backend(settings: AppSettings) -> Backend:
    """The queue: ``data_dir/queue.sqlite3``, or Redis when ``redis_url`` is set."""
    if settings.redis_url:
        redis = importlib.import_module("validator.app.queue.redis")
        backend: Backend = redis.RedisBackend.from_settings(settings)
        return backend
    return open_sqlite_queue(settings)


def open_sqlite_queue(settings: AppSettings) -> SqliteBackend:
    """The embedded queue with its worker side (``WorkerPool`` needs more than :class:`Backend`)."""
    return SqliteBackend(settings.data_dir / QUEUE_FILE, lease_seconds=settings.lease_seconds,
                         max_attempts=settings.max_attempts)


def open_evaluations(settings: AppSettings) -> EvaluationStore:
    """The evaluations: ``data_dir/evaluations.sqlite3``, or Redis when ``redis_url`` is set."""
    if settings.redis_url:
        redis = importlib.import_module("validator.app.evaluations_redis")
        remote: EvaluationStore = redis.RedisEvaluations(settings.redis_url,
                                                         settings.retention_days)
        return remote
    return SqliteEvaluations(settings.data_dir / EVALUATIONS_FILE)
