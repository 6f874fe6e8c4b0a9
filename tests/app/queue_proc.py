"""A separate process on the queue file for the queue tests (``python -m tests.app.queue_proc``).

``enqueue DB FIRST COUNT``: enqueue pull requests FIRST..FIRST+COUNT-1 through ``accept`` (a
delivery each, ids ``d-N``), print how many were first deliveries. ``lease DB``: lease and finish
jobs until the queue is empty, print the pull-request numbers taken.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.app.queue_support import pr_job
from validator.app.queue.sqlite import SqliteBackend


def main(argv: list[str]) -> int:
    """Run one command on the queue at ``argv[1]``."""
    queue = SqliteBackend(Path(argv[1]), lease_seconds=60.0, max_attempts=3)
    if argv[0] == "enqueue":
        first, count = int(argv[2]), int(argv[3])
        accepted = sum(queue.accept(f"d-{n}", [pr_job(n)]) is not None for n in range(first, first + count))
        print(accepted)
    elif argv[0] == "lease":
        while (leased := queue.lease("proc")) is not None:
            print(leased.job.pull_number, flush=True)
            queue.done(leased)
    queue.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
