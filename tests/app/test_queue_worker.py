"""WorkerPool on a real queue file: runs, retries, poison, stop, and a worker killed mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.app.queue_support import pr_job
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.queue.sqlite import SqliteBackend
from validator.app.worker import WorkerPool

_ROOT = Path(__file__).resolve().parents[2]
_DEADLINE = 60.0


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


class _Poisons:
    def __init__(self) -> None:
        self.calls: list[tuple[int | None, str, int]] = []

    def __call__(self, job: JobSpec, error: str, attempts: int) -> None:
        self.calls.append((job.pull_number, error, attempts))


def _queue(tmp_path: Path, *, lease: float = 60.0, attempts: int = 3) -> SqliteBackend:
    return SqliteBackend(tmp_path / "queue.sqlite3", lease_seconds=lease, max_attempts=attempts,
                         retry_seconds=0.0)


def test_the_pool_runs_every_job_once_and_counts_it(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    for number in range(10):
        queue.enqueue(pr_job(number))
    ran: list[int | None] = []
    metrics = AppMetrics()
    pool = WorkerPool(queue, lambda job: ran.append(job.pull_number), _Poisons(), threads=3,
                      metrics=metrics, poll_seconds=0.05)
    pool.start()
    _wait_for(lambda: queue.depth() == 0 and len(ran) == 10, "10 jobs")
    assert pool.stop(timeout=30)
    assert sorted(n or 0 for n in ran) == list(range(10))
    assert metrics.registry.get_sample_value("gitops_validator_jobs_total",
                                             {"result": "completed"}) == 10
    queue.close()


def test_a_failing_job_is_retried_and_then_completes(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    queue.enqueue(pr_job(1))
    attempts: list[int] = []

    def flaky(job: JobSpec) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("GitHub answered 502")
        return "completed"

    poisons = _Poisons()
    pool = WorkerPool(queue, flaky, poisons, threads=1, metrics=AppMetrics(), poll_seconds=0.05)
    pool.start()
    _wait_for(lambda: len(attempts) == 2 and queue.depth() == 0, "the retry")
    pool.stop(timeout=30)
    assert poisons.calls == []
    queue.close()


def test_a_job_that_always_fails_is_reported_as_poison_once(tmp_path: Path) -> None:
    queue = _queue(tmp_path, attempts=3)
    queue.enqueue(pr_job(1))
    runs: list[int] = []

    def broken(job: JobSpec) -> object:
        runs.append(1)
        raise ValueError(f"no such file in {job.repository}")

    poisons = _Poisons()
    metrics = AppMetrics()
    pool = WorkerPool(queue, broken, poisons, threads=2, metrics=metrics, poll_seconds=0.05)
    pool.start()
    _wait_for(lambda: queue.depth() == 0, "the poisoned job to leave the queue")
    pool.stop(timeout=30)
    assert len(runs) == 3
    assert poisons.calls == [(1, "ValueError: no such file in org/repo", 3)]
    assert metrics.registry.get_sample_value("gitops_validator_jobs_total",
                                             {"result": "poisoned"}) == 1
    queue.close()


def test_a_job_whose_workers_died_every_time_is_reported_not_run(tmp_path: Path) -> None:
    queue = _queue(tmp_path, lease=0.1, attempts=1)
    queue.enqueue(pr_job(1))
    assert queue.lease("died") is not None
    ran: list[JobSpec] = []
    poisons = _Poisons()
    pool = WorkerPool(queue, ran.append, poisons, threads=1, metrics=AppMetrics(),
                      poll_seconds=0.05)
    pool.start()
    _wait_for(lambda: queue.depth() == 0, "the expired job to be reported")
    pool.stop(timeout=30)
    assert ran == []
    assert len(poisons.calls) == 1
    assert poisons.calls[0][0] == 1
    assert "lease expired" in poisons.calls[0][1]
    queue.close()


def test_stop_gives_back_the_job_it_could_not_finish(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    queue.enqueue(pr_job(1))
    started, release = threading.Event(), threading.Event()

    def slow(job: JobSpec) -> None:
        started.set()
        release.wait(_DEADLINE)

    pool = WorkerPool(queue, slow, _Poisons(), threads=1, metrics=AppMetrics(), poll_seconds=0.05)
    pool.start()
    assert started.wait(_DEADLINE)
    assert not pool.stop(timeout=0.2)
    again = queue.lease("restarted")
    assert again is not None, "a restart takes it at once, not after the lease"
    assert again.attempt == 1
    release.set()
    queue.close()


def _worker(data: Path, record: Path, mode: str, lease: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.app.queue_worker_proc", str(data), str(record), mode,
         str(lease)], cwd=_ROOT, env=env, start_new_session=True)


def _lines(record: Path) -> list[str]:
    return record.read_text(encoding="utf-8").splitlines() if record.exists() else []


def test_a_worker_killed_mid_job_is_replaced_after_its_lease_and_the_job_completes_once(
        tmp_path: Path) -> None:
    data, record, lease = tmp_path / "data", tmp_path / "record.txt", 3.0
    queue = SqliteBackend(data / "queue.sqlite3", lease_seconds=lease, max_attempts=3)
    queue.enqueue(pr_job(1))
    doomed = _worker(data, record, "block", lease)
    survivor: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: len(_lines(record)) == 1, "the first worker to start the job")
        survivor = _worker(data, record, "run", lease)
        # Two leases long: the first worker's heartbeat keeps the job from the second.
        time.sleep(2 * lease)
        assert len(_lines(record)) == 1, _lines(record)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(_DEADLINE)
        _wait_for(lambda: any(line.startswith("done") for line in _lines(record)),
                  "the second worker to complete the job")
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(_DEADLINE) == 0
    finally:
        for process in (doomed, survivor):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    lines = _lines(record)
    starts = [line.split()[2] for line in lines if line.startswith("start")]
    assert starts == [str(doomed.pid), str(survivor.pid)]
    assert [line for line in lines if line.startswith("done")] == [f"done 1 {survivor.pid}"]
    assert queue.depth() == 0
    queue.close()
