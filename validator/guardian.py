"""The per-run guardian: cleans up after a validator that died, even by SIGKILL.

Run as a script (``python -I -S guardian.py RUN_ROOT``, standard library only, so it
starts in milliseconds) by :func:`validator.process.start_guardian`. The validator holds
the write end of the guardian's standard input and writes ``+PGID`` when it starts a
process group and ``-PGID`` when that group is gone. When the input ends (the
validator closed it, exited, or was killed) the guardian kills every group still
listed and removes the run's temporary root, then exits.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys


def guard(root: str) -> None:
    """Read group updates until end of input, then kill what is left and remove ``root``."""
    groups: set[int] = set()
    for raw in sys.stdin.buffer:
        line = raw.strip()
        with contextlib.suppress(ValueError):
            if line.startswith(b"+"):
                groups.add(int(line[1:]))
            elif line.startswith(b"-"):
                groups.discard(int(line[1:]))
    for group in groups:
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # only the end of our input ends us
    guard(sys.argv[1])
