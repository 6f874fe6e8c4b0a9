"""Peak memory of a whole process tree, sampled from /proc while a command runs.

``measure(command)`` starts the command (through :mod:`validator.process`), samples
every ``interval`` seconds the resident (RSS) and proportional (PSS) set sizes of the
process and all its descendants (the OPA server, render and worker processes
included), and returns the wall time, the peaks of both sums and the output.
RSS counts pages shared by forked workers once per process (an upper bound); PSS
divides shared pages among their sharers (what the tree really costs the machine).
Processes that live shorter than one interval may be missed.
"""

from __future__ import annotations

import resource
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from validator import process

MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Measured:
    """One run of a command."""

    seconds: float
    """Wall time."""
    cpu_seconds: float
    """User + system CPU time of the tree (of the processes that were waited for)."""
    peak_rss: int
    """Largest sum of RSS over the tree, in bytes."""
    peak_pss: int
    """Largest sum of PSS over the tree, in bytes."""
    peak_processes: int
    """Most processes seen in the tree at once."""
    returncode: int | None
    """Exit code of the command; None when it was stopped at its timeout."""
    stdout: bytes
    """Standard output and error, interleaved."""


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return parents


def tree(root: int) -> list[int]:
    """``root`` and every live descendant."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _sizes(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) * 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) * 1024
    return rss, pss


def measure(command: process.Command, *, interval: float = 0.1) -> Measured:
    """Run ``command`` to the end (or its timeout) while sampling its tree's memory."""
    with tempfile.NamedTemporaryFile(prefix="bench-out-", suffix=".log") as out:
        log = Path(out.name)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = process.start(command, log_path=log)
        peaks = [0, 0, 0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                pids = tree(proc.pid)
                sizes = [_sizes(pid) for pid in pids]
                peaks[0] = max(peaks[0], sum(s[0] for s in sizes))
                peaks[1] = max(peaks[1], sum(s[1] for s in sizes))
                peaks[2] = max(peaks[2], len(pids))
                done.wait(interval)

        sampler = threading.Thread(target=sample, name="tree-memory", daemon=True)
        sampler.start()
        deadline = start + command.timeout
        try:
            while proc.poll() is None and time.perf_counter() < deadline:
                time.sleep(0.05)
            returncode = proc.poll()
        finally:
            seconds = time.perf_counter() - start
            done.set()
            sampler.join()
            process.stop(proc)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return Measured(seconds=seconds, cpu_seconds=cpu, peak_rss=peaks[0], peak_pss=peaks[1],
                        peak_processes=peaks[2], returncode=returncode,
                        stdout=log.read_bytes())
