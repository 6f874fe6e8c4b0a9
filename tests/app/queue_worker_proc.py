"""A worker process for the queue fault tests (``python -m tests.app.queue_worker_proc``).

``DATA_DIR RECORD MODE LEASE_SECONDS``: runs :func:`validator.app.worker.run_worker` on the
embedded queue in DATA_DIR with one thread until SIGTERM. Its job function appends
``start N PID`` to RECORD; in mode ``block`` it then never returns (the test kills the process),
in mode ``run`` it appends ``done N PID``. ``poison N PID`` records a poison report.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from validator.app.model import JobSpec
from validator.app.settings import AppSettings
from validator.app.worker import run_worker


def main(argv: list[str]) -> int:
    """Work until SIGTERM."""
    data_dir, record, mode, lease = Path(argv[0]), Path(argv[1]), argv[2], float(argv[3])
    settings = AppSettings(app_id=1, private_key="unused", webhook_secret="unused",
                           data_dir=data_dir, lease_seconds=lease, max_attempts=3)

    def note(line: str) -> None:
        with record.open("a", encoding="utf-8") as out:
            out.write(f"{line} {os.getpid()}\n")

    def perform(job: JobSpec) -> object:
        note(f"start {job.pull_number}")
        if mode == "block":
            threading.Event().wait()
        note(f"done {job.pull_number}")
        return "completed"

    def poison(job: JobSpec, error: str, attempts: int) -> None:
        del error, attempts
        note(f"poison {job.pull_number}")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run_worker(settings, perform, poison, threads=1, stop_event=stop, poll_seconds=0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
