"""The embedded queue's intake cost: recording a delivery and queuing its job, per delivery.

Run: ``python -m benchmarks.bench_queue [--deliveries 5000] [--threads 4] [--workers 2]
[--rate 500]``.

``--threads`` intake threads, offering ``--rate`` deliveries a second together (0: as fast as
they can), share ``--deliveries`` deliveries (10% of them a redelivery of an earlier id) on one
fresh queue file, while ``--workers`` threads lease and finish jobs as a ``WorkerPool`` would
(``0``: intake alone). Printed per delivery, p50/p99 and the rate, for ``accept`` (the seam
intake uses: concurrent deliveries share a commit) and for ``first_delivery`` + ``enqueue``
(a commit each). The webhook target is p99 < 50 ms at 500 deliveries/s on 2 cores, for the whole request.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.app.queue_support import pr_job
from validator.app.model import JobSpec
from validator.app.queue.sqlite import SqliteBackend


def _ids(deliveries: int) -> list[tuple[str, JobSpec]]:
    items = []
    for n in range(deliveries):
        number = n - 7 if n % 10 == 9 else n  # every tenth: a redelivery of an earlier id
        items.append((f"delivery-{number}", pr_job(number, f"{number:040x}")))
    return items


def _measure(queue: SqliteBackend, items: list[tuple[str, JobSpec]], *, threads: int,
             workers: int, rate: float, intake: Callable[[SqliteBackend, str, JobSpec], object]) -> None:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()

    def produce(part: list[tuple[str, JobSpec]]) -> None:
        mine = []
        interval = threads / rate if rate else 0.0
        due = time.perf_counter()
        for delivery, job in part:
            due += interval
            if (ahead := due - time.perf_counter()) > 0:
                time.sleep(ahead)
            start = time.perf_counter()
            intake(queue, delivery, job)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    def consume() -> None:
        while not stop.is_set():
            leased = queue.lease("bench")
            if leased is None:
                stop.wait(0.01)
            else:
                queue.done(leased)

    consumers = [threading.Thread(target=consume) for _ in range(workers)]
    producers = [threading.Thread(target=produce, args=(items[t::threads],))
                 for t in range(threads)]
    began = time.perf_counter()
    for thread in consumers + producers:
        thread.start()
    for thread in producers:
        thread.join()
    wall = time.perf_counter() - began
    stop.set()
    for thread in consumers:
        thread.join()
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(f"  p50 {p50 * 1000:.2f} ms  p99 {p99 * 1000:.2f} ms  max {latencies[-1] * 1000:.1f} ms"
          f"  {len(latencies) / wall:.0f} deliveries/s  (queued: {queue.depth()})")


def _accept(queue: SqliteBackend, delivery: str, job: JobSpec) -> object:
    return queue.accept(delivery, [job])


def _two_steps(queue: SqliteBackend, delivery: str, job: JobSpec) -> object:
    return queue.first_delivery(delivery) and queue.enqueue(job)


def main() -> None:
    """Measure both intake paths on fresh queue files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=500.0,
                        help="deliveries offered per second, all threads together (0: at once)")
    args = parser.parse_args()
    items = _ids(args.deliveries)
    for name, intake in (("accept (group commit)", _accept),
                         ("first_delivery + enqueue", _two_steps)):
        with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
            queue = SqliteBackend(Path(tmp) / "queue.sqlite3", lease_seconds=60, max_attempts=3)
            print(f"{name}: {args.deliveries} deliveries at {args.rate or 'full'}/s, "
                  f"{args.threads} intake threads, {args.workers} worker threads")
            _measure(queue, items, threads=args.threads, workers=args.workers, rate=args.rate,
                     intake=intake)
            queue.close()


if __name__ == "__main__":
    main()
