"""Workers on Redis (Dramatiq): a job completes and releases its key, a failing job is retried
and then reported once as poison, a worker SIGKILLed mid-job has its job redelivered to the
other worker and completed once, a slow job on a live worker is not redelivered, and queued
jobs survive a restart (even a SIGKILL) of an append-only Redis."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.app.test_redis_backend import job
from tests.support.redis_server import redis_server, redis_url
from validator import process
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.queue.redis import NAMESPACE, QUEUE, RedisBackend, run_redis_worker
from validator.app.settings import AppSettings
from validator.app.worker import run_worker

__all__ = ["redis_url"]

_ROOT = Path(__file__).resolve().parents[2]


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 60) -> None:
    """A bounded wait (generous: the machine is shared), failing with what was awaited."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def worker_thread(url: str, perform: Callable[[JobSpec], object],
                  poison: Callable[[JobSpec, str, int], None], **options: object) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=run_redis_worker, args=(url, perform, poison),
                              kwargs={"threads": 2, "stop": stop} | options)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(60)
        assert not thread.is_alive(), "run_redis_worker did not return after stop"


def test_a_job_runs_once_and_releases_its_key(redis_url: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=5000, max_attempts=3)
    done: list[str] = []
    metrics = AppMetrics()
    with worker_thread(redis_url, lambda j: done.append(j.head_sha), lambda *_: None,
                       metrics=metrics):
        assert backend.enqueue(job())
        wait_for("the job", lambda: backend.depth() == 0)
    assert done == ["a" * 40]
    assert metrics.registry.get_sample_value("gitops_validator_jobs_total",
                                             {"result": "completed"}) == 1
    assert metrics.registry.get_sample_value("gitops_validator_job_duration_seconds_count") == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
    assert backend.enqueue(job())  # finished: the same work may be queued again
    backend.close()


def test_a_failing_job_is_retried_then_poisoned_once(redis_url: str) -> None:
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=5000, max_attempts=3)
    starts: list[str] = []
    poisoned: list[tuple[str, str, int]] = []

    def perform(spec: JobSpec) -> None:
        starts.append(spec.key)
        raise RuntimeError(f"broken {len(starts)}")

    metrics = AppMetrics()
    with worker_thread(redis_url, perform, lambda j, e, n: poisoned.append((j.key, e, n)),
                       max_attempts=3, min_backoff_ms=20, metrics=metrics):
        backend.enqueue(job())
        wait_for("the poison report", lambda: backend.depth() == 0)
    assert starts == [job().key] * 3
    assert poisoned == [(job().key, "RuntimeError: broken 3", 3)]
    for result, count in (("retried", 2), ("poisoned", 1), ("completed", None)):
        assert metrics.registry.get_sample_value("gitops_validator_jobs_total",
                                                 {"result": result}) == count
    backend.close()


def test_a_stopped_worker_finishes_its_job_and_gives_back_the_rest(redis_url: str) -> None:
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=5000, max_attempts=3)
    started, finished = threading.Event(), []

    def perform(spec: JobSpec) -> None:
        started.set()
        time.sleep(1)
        finished.append(spec.head_sha)

    heads = [f"{n:040x}" for n in range(3)]
    with worker_thread(redis_url, perform, lambda *_: None, threads=1):
        for head in heads:
            backend.enqueue(job(head))
        wait_for("the first job", started.is_set)
    assert finished == heads[:1]  # stop waited for the running job
    client = redis.Redis.from_url(redis_url)
    assert client.llen(f"{NAMESPACE}:{QUEUE}") == 2  # the prefetched one is back in the queue
    client.close()
    with worker_thread(redis_url, lambda j: finished.append(j.head_sha), lambda *_: None):
        wait_for("the rest", lambda: backend.depth() == 0)
    assert sorted(finished) == heads
    backend.close()


def test_the_worker_command_runs_redis_workers_with_the_settings(redis_url: str) -> None:
    """``run_worker`` (what ``gitops-validator worker`` runs) passes the attempts, heartbeat and
    metrics on: one attempt allowed, so the failing job is reported after its first."""
    settings = AppSettings(app_id=1, private_key="k", webhook_secret="s", redis_url=redis_url,
                           max_attempts=1, lease_seconds=30)
    backend = RedisBackend.from_settings(settings)
    poisoned: list[int] = []
    metrics, stop = AppMetrics(), threading.Event()

    def perform(spec: JobSpec) -> None:
        raise RuntimeError(spec.head_sha)

    thread = threading.Thread(target=run_worker, args=(
        settings, perform, lambda j, e, n: poisoned.append(n), 1, stop), kwargs={"metrics": metrics})
    thread.start()
    try:
        backend.enqueue(job())
        wait_for("the poison report", lambda: backend.depth() == 0)
    finally:
        stop.set()
        thread.join(60)
    assert poisoned == [1]
    assert metrics.registry.get_sample_value("gitops_validator_jobs_total",
                                             {"result": "poisoned"}) == 1
    backend.close()


def _records(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


@contextmanager
def worker_processes(url: str, record: Path, count: int, *, hold: float,
                     heartbeat_ms: int, max_attempts: int = 3,
                     threads: int = 2) -> Iterator[list[int]]:
    """``count`` real worker processes (tests/support/redis_worker.py), stopped after."""
    procs = [process.start(process.Command(
        args=(sys.executable, "-m", "tests.support.redis_worker", url, str(record), str(hold),
              str(heartbeat_ms), str(max_attempts), str(threads)), cwd=_ROOT, env={"PYTHONPATH": str(_ROOT)}),
        log_path=record.with_name(f"worker-{n}.log")) for n in range(count)]
    try:
        pids = {str(proc.pid) for proc in procs}
        wait_for("the workers", lambda: sum(r[0] == "ready" and r[1] in pids
                                            for r in _records(record)) == count)
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            process.stop(proc)


def test_a_job_of_a_worker_killed_mid_job_is_redelivered_and_completes_once(
        redis_url: str, tmp_path: Path) -> None:
    record = tmp_path / "record"
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=2000, max_attempts=3)
    with worker_processes(redis_url, record, 2, hold=600, heartbeat_ms=2000) as pids:
        backend.enqueue(job())
        wait_for("a start", lambda: any(r[0] == "start" for r in _records(record)))
        victim = int(next(r for r in _records(record) if r[0] == "start")[2])
        assert victim in pids
        os.killpg(victim, 9)
        wait_for("the redelivered job", lambda: backend.depth() == 0, timeout=120)
    runs = [r for r in _records(record) if r[0] in {"start", "done"}]
    survivor = next(pid for pid in pids if pid != victim)
    assert runs == [["start", job().key, str(victim)], ["start", job().key, str(survivor)],
                    ["done", job().key, str(survivor)]]
    backend.close()


def test_a_job_whose_workers_die_stops_after_its_attempts(redis_url: str, tmp_path: Path) -> None:
    """A job that kills its worker (out of memory, say) is not redelivered for ever: every
    start counts as an attempt, and the start after the last is reported as poison."""
    record = tmp_path / "record"
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=1000, max_attempts=1)
    with worker_processes(redis_url, record, 2, hold=600, heartbeat_ms=1000, max_attempts=1):
        backend.enqueue(job())
        wait_for("a start", lambda: any(r[0] == "start" for r in _records(record)))
        os.killpg(int(next(r for r in _records(record) if r[0] == "start")[2]), 9)
        wait_for("the poison report", lambda: backend.depth() == 0, timeout=120)
    assert [r[:3] for r in _records(record) if r[0] != "ready"] == [
        ["start", job().key, next(r[2] for r in _records(record) if r[0] == "start")],
        ["poison", job().key, "1"]]
    backend.close()


def test_slow_jobs_on_busy_live_workers_are_not_redelivered(redis_url: str, tmp_path: Path) -> None:
    """Each job outlasts the heartbeat timeout twice over and each of two workers (one thread,
    prefetch two) is full, so its queue consumer sends no command (no heartbeat from Dramatiq's
    side but its delay-queue polls; run_redis_worker's own heartbeat thread). A third worker,
    idle, runs queue maintenance all along: it must find both busy workers alive and take none
    of their jobs."""
    record = tmp_path / "record"
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=2000, max_attempts=3)
    heads = [f"{n:040x}" for n in range(4)]
    client = redis.Redis.from_url(redis_url)
    with worker_processes(redis_url, record, 2, hold=4.5, heartbeat_ms=2000, threads=1):
        for head in heads:
            backend.enqueue(job(head))
        wait_for("the jobs fetched", lambda: client.llen(f"{NAMESPACE}:{QUEUE}") == 0)
        with worker_processes(redis_url, record, 1, hold=4.5, heartbeat_ms=2000, threads=1):
            wait_for("the jobs", lambda: backend.depth() == 0, timeout=120)
    runs = sorted((r[0], r[1]) for r in _records(record) if r[0] in {"start", "done"})
    assert runs == sorted((what, job(head).key) for head in heads for what in ("start", "done"))
    client.close()
    backend.close()


@pytest.mark.parametrize(("how", "fsync"), [("stop", "always"), ("kill", "always")])
def test_queued_jobs_survive_a_restart_of_an_append_only_redis(tmp_path: Path, how: str,
                                                               fsync: str) -> None:
    """Not ``everysec`` with a kill: while a slow disk holds an fsync, Redis postpones the
    write of the append-only file (up to 2 s) and still answers, so a crash then loses what it
    answered (seen here under load; docs/app.md says so and the reconciliation sweep finds
    those pull requests again)."""
    with redis_server(tmp_path / "redis", fsync=fsync) as server:
        backend = RedisBackend(server.url, heartbeat_timeout_ms=5000, max_attempts=3)
        assert backend.first_delivery("d1")
        heads = [f"{n:040x}" for n in range(5)]
        for head in heads:
            assert backend.enqueue(job(head, number=int(head, 16)))
        server.stop() if how == "stop" else server.kill()
        server.start()
        assert not backend.first_delivery("d1")
        assert backend.depth() == 5
        done: list[str] = []
        with worker_thread(server.url, lambda j: done.append(j.head_sha), lambda *_: None):
            wait_for("the queued jobs", lambda: backend.depth() == 0)
        assert sorted(done) == heads
        backend.close()
