"""The embedded queue's intake cost: recording a delivery and queuing its job, per delivery.

Run: ``python -m benchmarks.bench_queue [--deliveries 5000] [--threads 4] [--processes 1]
[--workers 2] [--rate 500]``.

``--processes`` intake processes (gunicorn's workers) of ``--threads`` threads each offer
``--rate`` deliveries a second together (0: as fast as they can): ``--deliveries`` deliveries,
10% of them a redelivery of an earlier id, on one fresh queue file, while ``--workers`` threads
lease and finish jobs as a ``WorkerPool`` would (in the first intake process, as ``serve``
runs them; in a process of their own, as ``gitops-validator worker``, when there are several
intake processes; ``0``: intake alone). Printed per delivery, p50/p99/max and the rate, for
``accept`` (the seam intake uses: concurrent deliveries share a commit) and for
``first_delivery`` + ``enqueue`` (a commit each). The webhook target is p99 < 50 ms at 500
deliveries/s on 2 cores, for the whole request.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.app.queue_support import pr_job
from validator.app.model import JobSpec
from validator.app.queue.sqlite import SqliteBackend

Item = tuple[str, JobSpec]


@dataclass(frozen=True)
class _Part:
    path: Path
    items: list[Item]
    threads: int
    rate: float
    workers: int
    two_steps: bool


def _items(deliveries: int) -> list[Item]:
    items = []
    for n in range(deliveries):
        number = n - 7 if n % 10 == 9 else n  # every tenth: a redelivery of an earlier id
        items.append((f"delivery-{number}", pr_job(number, f"{number:040x}")))
    return items


def _intake(queue: SqliteBackend, two_steps: bool) -> Callable[[str, JobSpec], object]:
    if two_steps:
        return lambda delivery, job: queue.first_delivery(delivery) and queue.enqueue(job)
    return lambda delivery, job: queue.accept(delivery, [job])


def _consume(queue: SqliteBackend, stop: threading.Event) -> None:
    while not stop.is_set():
        leased = queue.lease("bench")
        if leased is None:
            stop.wait(0.01)
        else:
            queue.done(leased)


def _run_part(part: _Part, stop_workers: threading.Event | None = None) -> tuple[list[float], float]:
    """One intake process: its threads' latencies and its wall time."""
    queue = SqliteBackend(part.path, lease_seconds=60, max_attempts=3)
    intake = _intake(queue, part.two_steps)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = stop_workers or threading.Event()

    def produce(mine: list[Item]) -> None:
        spent = []
        interval = part.threads / part.rate if part.rate else 0.0
        due = time.perf_counter()
        for delivery, job in mine:
            due += interval
            if (ahead := due - time.perf_counter()) > 0:
                time.sleep(ahead)
            start = time.perf_counter()
            intake(delivery, job)
            spent.append(time.perf_counter() - start)
        with lock:
            latencies.extend(spent)

    consumers = [threading.Thread(target=_consume, args=(queue, stop))
                 for _ in range(part.workers)]
    producers = [threading.Thread(target=produce, args=(part.items[t::part.threads],))
                 for t in range(part.threads)]
    began = time.perf_counter()
    for thread in consumers + producers:
        thread.start()
    for thread in producers:
        thread.join()
    wall = time.perf_counter() - began
    stop.set()
    for thread in consumers:
        thread.join()
    queue.close()
    return latencies, wall


def _work_only(path: Path, workers: int, stop: threading.Event) -> None:
    queue = SqliteBackend(path, lease_seconds=60, max_attempts=3)
    consumers = [threading.Thread(target=_consume, args=(queue, stop)) for _ in range(workers)]
    for thread in consumers:
        thread.start()
    for thread in consumers:
        thread.join()
    queue.close()


def _measure(path: Path, items: list[Item], args: argparse.Namespace, two_steps: bool) -> None:
    processes = args.processes
    if processes == 1:
        latencies, wall = _run_part(_Part(path, items, args.threads, args.rate, args.workers,
                                          two_steps))
    else:
        context = multiprocessing.get_context("fork")
        stop = context.Event()
        worker = context.Process(target=_work_only, args=(path, args.workers, stop))
        worker.start()
        parts = [_Part(path, items[p::processes], args.threads, args.rate / processes, 0,
                       two_steps) for p in range(processes)]
        with context.Pool(processes) as pool:
            results = pool.map(_run_part, parts)
        stop.set()
        worker.join()
        latencies = [latency for part, _ in results for latency in part]
        wall = max(part_wall for _, part_wall in results)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    queue = SqliteBackend(path, lease_seconds=60, max_attempts=3)
    print(f"  p50 {p50 * 1000:.2f} ms  p99 {p99 * 1000:.2f} ms  max {latencies[-1] * 1000:.1f} ms"
          f"  {len(latencies) / wall:.0f} deliveries/s  (left queued: {queue.depth()})")
    queue.close()


def main() -> None:
    """Measure both intake paths on fresh queue files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=500.0,
                        help="deliveries offered per second, all threads together (0: at once)")
    args = parser.parse_args()
    items = _items(args.deliveries)
    for name, two_steps in (("accept (group commit)", False),
                            ("first_delivery + enqueue", True)):
        with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
            print(f"{name}: {args.deliveries} deliveries at {args.rate or 'full'}/s, "
                  f"{args.processes} process(es) x {args.threads} intake threads, "
                  f"{args.workers} worker threads")
            _measure(Path(tmp) / "queue.sqlite3", items, args, two_steps)


if __name__ == "__main__":
    main()
