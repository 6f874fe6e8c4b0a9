"""A worker process for the Redis fault tests: ``run_redis_worker`` with a ``perform`` that
records to a file, so a test can SIGKILL it mid-job and count starts and completions.

``python -m tests.support.redis_worker URL RECORD HOLD HEARTBEAT_MS MAX_ATTEMPTS THREADS``: every start and
completion appends ``start|done <job key> <pid>`` to RECORD (one ``write`` of an
``O_APPEND`` file: lines from two processes never interleave). The first start of a job holds
it HOLD seconds before completing (the window in which a test kills the worker); a later start
(a redelivery) completes at once. Runs until SIGTERM.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from validator.app.model import JobSpec
from validator.app.queue.redis import run_redis_worker


def _record(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def main(argv: list[str]) -> None:
    url, record, hold = argv[0], Path(argv[1]), float(argv[2])
    heartbeat_ms, max_attempts, threads = (int(arg) for arg in argv[3:6])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def perform(job: JobSpec) -> None:
        earlier = record.read_text().count(f"start {job.key} ") if record.exists() else 0
        _record(record, f"start {job.key} {os.getpid()}")
        if not earlier:
            time.sleep(hold)
        _record(record, f"done {job.key} {os.getpid()}")

    def poison(job: JobSpec, error: str, attempts: int) -> None:
        _record(record, f"poison {job.key} {attempts}")

    _record(record, f"ready {os.getpid()}")
    run_redis_worker(url, perform, poison, threads=threads, stop=stop, heartbeat_timeout_ms=heartbeat_ms,
                     max_attempts=max_attempts, min_backoff_ms=50)


if __name__ == "__main__":
    main(sys.argv[1:])
