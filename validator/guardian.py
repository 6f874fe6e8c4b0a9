"""The per-run guardian: cleans up after a validator that died, even by SIGKILL.

Run as a script (``python -I -S guardian.py RUN_ROOT``, standard library only, so it
starts in milliseconds) by :func:`validator.process.start_guardian`. The validator holds
the write end of the guardian's standard input and writes ``+PGID`` when it starts a
process group and ``-PGID`` when that group is gone, ``+/path`` for a file outside the
root that must go if the run dies (a log kept only when it explains an error) and
``-/path`` once the run has decided its fate. When the input ends (the validator
closed it, exited, or was killed) the guardian kills every group still listed,
removes every file still listed and the run's temporary root, then exits.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
from pathlib import Path


def guard(root: str) -> None:
    """Read group updates until end of input, then kill what is left and remove ``root``."""
    groups: set[int] = set()
    files: set[bytes] = set()
    for raw in sys.stdin.buffer:
        line = raw.rstrip(b"\n")
        sign, item = line[:1], line[1:]
        with contextlib.suppress(ValueError):
            if item.startswith(b"/"):
                (files.add if sign == b"+" else files.discard)(item)
            elif sign == b"+":
                groups.add(int(item))
            elif sign == b"-":
                groups.discard(int(item))
    for group in groups:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    for file in files:
        with contextlib.suppress(OSError):
            Path(os.fsdecode(file)).unlink()
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # only the end of our input ends us
    guard(sys.argv[1])
