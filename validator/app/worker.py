"""Workers of the embedded queue: threads that lease a job, run the job function, and finish it.

Each thread leases the oldest job, runs ``perform`` (the same job function the Redis workers
run), and marks it done. An exception is logged with the job's key and the job is retried after
the queue's backoff; on its last attempt ``poison`` reports it (on the check run) before the
queue marks it poisoned, so a worker dying in between only makes the report run again (it is
idempotent). A heartbeat thread extends the lease of every running job each third of a lease,
so only a dead worker's jobs expire. :meth:`WorkerPool.stop` stops leasing, lets running jobs
finish for a while, and gives back the rest so that the next start takes them at once.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from validator.app.backends import open_sqlite_queue
from validator.app.jobs import BackendUnavailable
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.queue.sqlite import Leased, SqliteBackend
from validator.app.settings import AppSettings

__all__ = ["Perform", "Poison", "WorkerPool", "run_worker"]

_LOG = logging.getLogger(__name__)

Perform = Callable[[JobSpec], object]
"""The job function; what it returns (a ``JobResult``) labels ``gitops_validator_jobs_total``."""
Poison = Callable[[JobSpec, str, int], None]
"""Report a job whose attempts are spent: ``(job, last error, attempts)``."""


class WorkerPool:
    """``threads`` workers and one heartbeat on a :class:`SqliteBackend`."""

    def __init__(self, queue: SqliteBackend, perform: Perform, poison: Poison, *, threads: int,
                 metrics: AppMetrics, poll_seconds: float = 0.5) -> None:
        self.queue = queue
        self.perform = perform
        self.poison = poison
        self.threads = threads
        self.metrics = metrics
        self.poll_seconds = poll_seconds
        """How long an idle worker waits before asking the queue again."""
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, Leased] = {}
        self._workers: list[threading.Thread] = []
        self._heartbeat: threading.Thread | None = None
        self._name = f"{socket.gethostname()}:{os.getpid()}"

    def start(self) -> None:
        """Start the workers and the heartbeat (daemon threads)."""
        for index in range(self.threads):
            thread = threading.Thread(target=self._work, args=(f"{self._name}:{index}",),
                                      name=f"queue-worker-{index}", daemon=True)
            self._workers.append(thread)
            thread.start()
        self._heartbeat = threading.Thread(target=self._beat, name="queue-heartbeat",
                                           daemon=True)
        self._heartbeat.start()

    def stop(self, timeout: float) -> bool:
        """Stop leasing; wait up to ``timeout`` for running jobs, then give back the rest.
        True when every job finished."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            unfinished = list(self._running.values())
            self._running.clear()
        for leased in unfinished:
            _LOG.info("job %s given back unfinished (the worker stops)", leased.job.key)
            try:
                self.queue.release(leased)
            except BackendUnavailable as err:
                _LOG.error("job %s not given back, it runs again when its lease expires: %s",
                           leased.job.key, err)
        self._stopped.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        return not unfinished

    def _work(self, name: str) -> None:
        while not self._stopping.is_set():
            try:
                leased = self.queue.lease(name)
            except BackendUnavailable as err:
                _LOG.error("cannot lease a job: %s", err)
                leased = None
            if leased is None:
                self._stopping.wait(self.poll_seconds)
                continue
            with self._lock:
                self._running[leased.token] = leased
            try:
                self._run(leased)
            except BackendUnavailable as err:
                _LOG.error("job %s: the queue failed: %s (the job runs again when its lease "
                           "expires)", leased.job.key, err)
            finally:
                with self._lock:
                    self._running.pop(leased.token, None)

    def _run(self, leased: Leased) -> None:
        job = leased.job
        if leased.exhausted(self.queue.max_attempts):
            self._report_poison(leased, leased.last_error, leased.attempt - 1)
            return
        _LOG.info("job %s: attempt %d", job.key, leased.attempt)
        started = time.monotonic()
        try:
            result = self.perform(job)
        except Exception as err:  # any failure of the job function is retried
            error = f"{type(err).__name__}: {err}"
            _LOG.exception("job %s: attempt %d of %d failed", job.key, leased.attempt,
                           self.queue.max_attempts)
            if leased.attempt >= self.queue.max_attempts:
                self._report_poison(leased, error, leased.attempt)
            elif self.queue.failed(leased, error):
                self.metrics.jobs.labels(result="retried").inc()
            return
        self.metrics.job_duration.observe(time.monotonic() - started)
        self.metrics.jobs.labels(result=str(result) if isinstance(result, str) else "completed").inc()
        self.queue.done(leased)

    def _report_poison(self, leased: Leased, error: str, attempts: int) -> None:
        job = leased.job
        _LOG.error("job %s poisoned after %d attempts: %s", job.key, attempts, error)
        try:
            self.poison(job, error, attempts)
        except Exception:  # poisoned whether or not the report got out
            _LOG.exception("job %s: its poison report failed", job.key)
        self.queue.failed(leased, error)
        self.metrics.jobs.labels(result="poisoned").inc()

    def _beat(self) -> None:
        interval = self.queue.lease_seconds / 3
        while not self._stopped.wait(interval):
            with self._lock:
                running = list(self._running.values())
            try:
                for leased in running:
                    if not self.queue.extend(leased):
                        _LOG.warning("job %s: lease lost (another worker may run it)",
                                     leased.job.key)
                self.metrics.queue_depth.set(self.queue.depth())
            except BackendUnavailable as err:
                _LOG.error("heartbeat failed: %s", err)


def run_worker(settings: AppSettings, perform: Perform, poison: Poison, threads: int,
               stop_event: threading.Event, *, metrics: AppMetrics | None = None,
               drain_seconds: float = 30.0, poll_seconds: float = 0.5) -> None:
    """``gitops-validator worker``: work the queue the settings name until ``stop_event``;
    running jobs get ``drain_seconds`` to finish, the rest go back to the queue."""
    if settings.redis_url:
        redis = importlib.import_module("validator.app.queue.redis")
        redis.RedisBackend.from_settings(settings).run_worker(
            perform, poison, threads=threads, stop=stop_event, metrics=metrics,
            drain_seconds=drain_seconds)
        return
    queue = open_sqlite_queue(settings)
    pool = WorkerPool(queue, perform, poison, threads=threads,
                      metrics=metrics or AppMetrics(), poll_seconds=poll_seconds)
    pool.start()
    _LOG.info("%d worker thread(s) on %s", threads, queue.path)
    try:
        stop_event.wait()
    finally:
        pool.stop(drain_seconds)
        queue.close()
