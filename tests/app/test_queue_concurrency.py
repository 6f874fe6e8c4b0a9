"""Many writers on one queue file: threads of one process and two processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.app.queue_support import pr_job
from validator.app.queue.sqlite import SqliteBackend

_ROOT = Path(__file__).resolve().parents[2]


def test_threads_enqueue_concurrently_and_each_key_is_queued_once(tmp_path: Path) -> None:
    queue = SqliteBackend(tmp_path / "q.sqlite3", lease_seconds=60, max_attempts=3)
    queued: list[bool] = []
    lock = threading.Lock()

    def intake(offset: int) -> None:
        for n in range(100):
            # 20 shared pull requests every thread asks for, 80 of its own.
            number = n if n < 20 else offset * 1000 + n
            result = queue.enqueue(pr_job(number))
            with lock:
                queued.append(result)

    threads = [threading.Thread(target=intake, args=(t,)) for t in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert queued.count(True) == 20 + 4 * 80
    assert queue.depth() == 20 + 4 * 80
    queue.close()


def _run(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.app.queue_proc", *args], cwd=_ROOT,
                            env=env, stdout=subprocess.PIPE, text=True)


def _outputs(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        outputs.append(out)
    return outputs


def test_two_processes_share_deliveries_jobs_and_leases(tmp_path: Path) -> None:
    path = str(tmp_path / "q.sqlite3")
    SqliteBackend(Path(path), lease_seconds=60, max_attempts=3).close()
    # Deliveries 100..299 and 200..399: 100 of them arrive at both processes.
    accepted = _outputs([_run("enqueue", path, "100", "200"), _run("enqueue", path, "200", "200")])
    assert sum(int(out) for out in accepted) == 300
    taken = _outputs([_run("lease", path), _run("lease", path)])
    numbers = [int(line) for out in taken for line in out.split()]
    assert sorted(numbers) == list(range(100, 400)), "every job leased exactly once"


def test_concurrent_accepts_share_commits_and_each_delivery_counts_once(tmp_path: Path) -> None:
    queue = SqliteBackend(tmp_path / "q.sqlite3", lease_seconds=60, max_attempts=3)
    first: list[str] = []
    lock = threading.Lock()

    def intake(offset: int) -> None:
        for n in range(150):
            # Deliveries 0..299, each sent by two of the four threads.
            delivery = (offset % 2) * 150 + n
            if queue.accept(f"d-{delivery}", [pr_job(delivery)]):
                with lock:
                    first.append(f"d-{delivery}")

    threads = [threading.Thread(target=intake, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(first) == sorted(f"d-{n}" for n in range(300))
    assert queue.depth() == 300
    assert queue.commits < 600, "concurrent deliveries were committed together"
    queue.close()
