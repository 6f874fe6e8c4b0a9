"""What ``gitops-validator serve`` and ``worker`` run besides the routes: the worker threads,
the periodic reconciliation sweep (one process per round: ``reconcile_round``), the daily
retention purge, and a clean stop on SIGTERM.

Workers run :func:`validator.app.worker.run_worker` (the embedded queue's ``WorkerPool``, or
the Redis workers when ``redis_url`` is set) with the one job function of
:mod:`validator.app.job`. A stop lets running jobs finish for ``drain_seconds`` and gives the
rest back to the queue, so SIGTERM never costs a job an attempt.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType

from werkzeug.serving import make_server

from validator.app.context import JobContext, build_context
from validator.app.job import job_functions
from validator.app.jobs import Backend
from validator.app.reconcile_all import reconcile_all
from validator.app.services import AppServices
from validator.app.settings import AppSettings
from validator.app.web import create_app
from validator.app.worker import run_worker

__all__ = ["PURGE_SECONDS", "Periodic", "reconcile_round", "serve_forever", "stop_on_signals", "work_forever"]

_LOGGER = logging.getLogger(__name__)
PURGE_SECONDS = 24 * 3600.0
"""How often evaluations older than ``retention_days`` are deleted."""
DRAIN_SECONDS = 30.0
"""How long a stop lets running jobs finish before giving them back to the queue."""


class Periodic(threading.Thread):
    """Runs ``action`` every ``interval`` seconds (first after ``first`` seconds, by default one
    interval) until ``stop``; an error is logged and the next round runs as usual."""

    def __init__(self, name: str, interval: float, action: Callable[[], object],
                 stop: threading.Event, *, first: float | None = None) -> None:
        super().__init__(name=name, daemon=True)
        self.interval, self.action, self.stop = interval, action, stop
        self.first = interval if first is None else first

    def run(self) -> None:
        wait = self.first
        while not self.stop.wait(wait):
            wait = self.interval
            try:
                self.action()
            except Exception:
                _LOGGER.exception("%s failed (next run in %.0f s)", self.name, self.interval)


def _purge(services: AppServices) -> None:
    before = datetime.now(UTC) - timedelta(days=services.settings.retention_days)
    removed = services.evaluations.purge(before)
    _LOGGER.info("retention: %d evaluations older than %s deleted", removed, before.date())


def _retention(services: AppServices, stop: threading.Event) -> Periodic:
    """The purge at start, then daily: a process restarted more often than daily (every
    deploy) would otherwise never purge, and keep findings and source lines beyond the
    retention promised."""
    return Periodic("retention", PURGE_SECONDS, lambda: _purge(services), stop, first=0.0)


def reconcile_round(backend: Backend, settings: AppSettings, sweep: Callable[[], object]) -> bool:
    """One round of the periodic reconciliation: ``sweep`` runs when this process claims the
    round (``Backend.claim_sweep``), so ``serve`` and every ``worker`` can run the schedule
    and GitHub still sees one sweep per interval. The claim is a little shorter than the
    interval, so a round that starts a moment early is not skipped."""
    if not backend.claim_sweep("reconcile", settings.reconcile_seconds * 0.9):
        return False
    sweep()
    return True


def _reconciliation(services: AppServices, ctx: JobContext, stop: threading.Event) -> Periodic | None:
    settings = services.settings
    if settings.reconcile_seconds <= 0:
        return None
    return Periodic("reconcile", settings.reconcile_seconds, lambda: reconcile_round(
        services.backend, settings, lambda: reconcile_all(settings, services.backend, auth=ctx.auth)), stop)


def _background(services: AppServices, ctx: JobContext, *, threads: int, stop: threading.Event
                ) -> list[threading.Thread]:
    settings = services.settings
    started: list[threading.Thread] = []
    if threads > 0:
        perform, poison = job_functions(ctx)
        started.append(threading.Thread(
            name="workers", daemon=True, target=run_worker,
            args=(settings, perform, poison, threads, stop),
            kwargs={"metrics": services.metrics, "drain_seconds": DRAIN_SECONDS}))
    if (sweep := _reconciliation(services, ctx, stop)) is not None:
        started.append(sweep)
    started.append(_retention(services, stop))
    for thread in started:
        thread.start()
    return started


def serve_forever(services: AppServices, *, host: str, port: int, threads: int,
                  stop: threading.Event, ready: Callable[[int], None] | None = None) -> None:
    """The web app (Werkzeug's threaded server) and the background threads until ``stop``;
    ``ready`` receives the bound port (``port`` 0 picks a free one)."""
    ctx = build_context(services.settings, services.backend, services.evaluations, services.metrics)
    server = make_server(host, port, create_app(services), threaded=True)
    web = threading.Thread(name="web", target=server.serve_forever, daemon=True)
    web.start()
    background = _background(services, ctx, threads=threads, stop=stop)
    _LOGGER.info("serving on http://%s:%d (%d worker threads)", host, server.server_port, threads)
    if ready is not None:
        ready(server.server_port)
    try:
        stop.wait()
    finally:
        stop.set()
        server.shutdown()  # no new deliveries, then the workers drain
        web.join()
        for thread in background:
            thread.join(DRAIN_SECONDS + 5)


def work_forever(services: AppServices, *, threads: int, stop: threading.Event) -> None:
    """Workers only (``gitops-validator worker``) until ``stop``; they drain on the way out.
    The retention purge and the reconciliation schedule run here too: beside gunicorn (no
    background threads) the workers are the app's only long-lived processes."""
    ctx = build_context(services.settings, services.backend, services.evaluations, services.metrics)
    perform, poison = job_functions(ctx)
    background = [_retention(services, stop)]
    if (sweep := _reconciliation(services, ctx, stop)) is not None:
        background.append(sweep)
    for thread in background:
        thread.start()
    try:
        run_worker(services.settings, perform, poison, threads, stop, metrics=services.metrics,
                   drain_seconds=DRAIN_SECONDS)
    finally:
        stop.set()
        for thread in background:
            thread.join(DRAIN_SECONDS)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` for the block (main thread) instead of ending the process
    at once: running jobs get to finish or go back to the queue."""
    def handler(signum: int, frame: FrameType | None) -> None:
        _LOGGER.warning("signal %d: stopping (running jobs finish or go back to the queue)", signum)
        stop.set()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
