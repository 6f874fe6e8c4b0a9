"""The Redis backend's workers: a Dramatiq ``Worker`` in this process running the app's job
function, with Dramatiq's ``Retries`` and a heartbeat of its own; the job's key released and
poison reported once (see ``redis.py`` for the design, docs/app.md "Redis" for why Dramatiq)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from dramatiq.middleware import Middleware, Retries

from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.queue.redis_layout import (
    ACTIVE,
    ACTOR,
    ATTEMPTS,
    NAMESPACE,
    QUEUE,
    connect,
    where,
)

__all__ = ["release", "run_redis_worker"]

_LOGGER = logging.getLogger(__name__)


class _Lifecycle(Middleware):
    """Releases a job's key when it is finished, and reports poison once when Dramatiq's
    ``Retries`` gives up (it runs after ``Retries``: Dramatiq calls ``after_*`` hooks in
    reverse order of the middleware list)."""

    def __init__(self, client: redis.Redis, poison: Callable[[JobSpec, str, int], None],
                 metrics: AppMetrics | None) -> None:
        self.client = client
        self.poison = poison
        self.metrics = metrics

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.jobs.labels(result).inc()

    def after_process_message(self, broker: dramatiq.Broker, message: Any, *,
                              result: object = None, exception: BaseException | None = None) -> None:
        del broker, result
        if exception is not None and not message.failed:
            self._count("retried")
            return  # Retries queued it again, after a backoff: still queued
        try:
            job = JobSpec.from_json(str(message.args[0]))
        except (ValueError, IndexError) as err:
            _LOGGER.error("Dropped a message that is not a job (%s): %s", message.message_id, err)
            return
        if exception is not None:
            attempts = int(self.client.hget(ATTEMPTS, job.key) or 0)
            _report_poison(self.poison, job, f"{type(exception).__name__}: {exception}", attempts)
            self._count("poisoned")
        release(self.client, job.key)


def release(client: redis.Redis, key: str) -> None:
    """The job with ``key`` is no longer queued or running: identical work may be queued again."""
    with client.pipeline(transaction=True) as pipe:
        pipe.zrem(ACTIVE, key)
        pipe.hdel(ATTEMPTS, key)
        pipe.execute()


def _report_poison(poison: Callable[[JobSpec, str, int], None], job: JobSpec, error: str,
                   attempts: int) -> None:
    _LOGGER.warning("Job %s failed %d times, reported as failed: %s", job.key, attempts, error)
    try:
        poison(job, error, attempts)
    except Exception:  # the report failed too: reconciliation finds the pull request again
        _LOGGER.exception("Reporting the failed job %s failed", job.key)


def _job_function(client: redis.Redis, perform: Callable[[JobSpec], object],
                  poison: Callable[[JobSpec, str, int], None], max_attempts: int,
                  metrics: AppMetrics | None) -> Callable[[str], None]:
    def count(result: str) -> None:
        if metrics is not None:
            metrics.jobs.labels(result).inc()

    def gitops_validator_job(text: str) -> None:
        """The actor (it returns nothing: Dramatiq would warn about a result it cannot keep)."""
        job = JobSpec.from_json(text)
        attempt = int(client.hincrby(ATTEMPTS, job.key, 1))
        if attempt > max_attempts:  # the earlier starts never returned: their workers died
            error = f"stopped after {attempt - 1} attempts: a worker died running it"
            _report_poison(poison, job, error, attempt - 1)
            count("poisoned")
            return
        _LOGGER.info("Job %s, attempt %d of %d", job.key, attempt, max_attempts)
        started = time.monotonic()
        result = perform(job)
        if metrics is not None:
            metrics.job_duration.observe(time.monotonic() - started)
        count("completed" if result is None else str(result))

    return gitops_validator_job


def run_redis_worker(url: str, perform: Callable[[JobSpec], object],
                     poison: Callable[[JobSpec, str, int], None], *, threads: int,
                     stop: threading.Event, heartbeat_timeout_ms: int = 60_000,
                     max_attempts: int = 3, min_backoff_ms: int = 10_000,
                     max_backoff_ms: int = 3_600_000, shutdown_timeout_ms: int = 600_000,
                     metrics: AppMetrics | None = None) -> None:
    """Run a Dramatiq worker of ``threads`` threads in this process until ``stop`` is set, then
    stop it: running jobs finish (up to ``shutdown_timeout_ms``), prefetched ones go back.

    ``perform`` raising is a failed attempt, retried after an exponential backoff from
    ``min_backoff_ms``; after ``max_attempts`` attempts ``poison(job, error, attempts)`` is
    called once. This worker runs queue maintenance on every broker command (not Dramatiq's
    default 0.1%), so a dead worker's jobs come back soon after ``heartbeat_timeout_ms``.
    One per process (Dramatiq's rule): it installs its broker as Dramatiq's global one.
    """
    client = connect(url, timeout=30.0)
    middleware = [_Lifecycle(client, poison, metrics),
                  Retries(max_retries=max_attempts - 1, min_backoff=min_backoff_ms,
                          max_backoff=max_backoff_ms)]
    broker = RedisBroker(  # type: ignore[no-untyped-call]  # Dramatiq leaves it untyped
        client=client, namespace=NAMESPACE, heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=MAINTENANCE_SCALE, middleware=middleware)
    dramatiq.set_broker(broker)
    dramatiq.Actor(_job_function(client, perform, poison, max_attempts, metrics), broker=broker,
                   actor_name=ACTOR, queue_name=QUEUE, priority=0, options={})
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=threads)
    worker.start()
    beating = threading.Thread(target=_heartbeat, args=(broker, stop), daemon=True,
                               name="gitops-validator-heartbeat")
    beating.start()
    _LOGGER.info("Redis worker of %d threads on %s", threads, where(client))
    try:
        stop.wait()
    finally:
        worker.stop(timeout=shutdown_timeout_ms)
        beating.join()
        broker.close()
        client.close()


def _heartbeat(broker: RedisBroker, stop: threading.Event) -> None:
    """Refresh this worker's heartbeat four times per timeout, whatever its consumers do.

    Dramatiq refreshes it on each broker command only; a worker whose threads are all busy
    and whose prefetch is full sends none from its queue consumer, and lives on its
    delay-queue consumer's polls (up to a second apart) alone. This thread makes liveness
    independent of that. The key and member are the ones Dramatiq's ``dispatch.lua`` writes.
    """
    interval = broker.heartbeat_timeout / 4000
    key = f"{broker.namespace}:__heartbeats__"
    while not stop.wait(interval):
        try:
            broker.client.zadd(key, {broker.broker_id: int(time.time() * 1000)})
        except redis.RedisError as err:  # the consumers report the outage themselves
            _LOGGER.debug("No heartbeat: %s", err)
