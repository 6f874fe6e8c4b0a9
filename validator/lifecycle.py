"""Process-wide state, owned by one object a long-running host holds.

A command-line run is one process and one run: ``run_check``/``run_diff`` pause the
garbage collector, install signal handlers and create the run's temporary root, and
undo all of it when they end (:mod:`validator.run_scope`, ``gc_paused``). A webhook
server runs many jobs, several at once: it holds one :class:`Lifecycle` for its life,
which installs the signal handlers once (so no job installs or restores any, whatever
thread it runs in) and checks after each job that nothing process-wide was left behind
(the collector running again, no temporary root, no child process).
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
import threading
from collections.abc import Iterator

from validator import process
from validator.errors import ValidatorError
from validator.run_scope import signal_handlers


class Lifecycle:
    """Held by a host for its life (:meth:`hold`); each job runs in :meth:`job`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs = 0

    @contextlib.contextmanager
    def hold(self) -> Iterator[Lifecycle]:
        """Signal handlers for the host's life (main thread); the collector left as found."""
        enabled = gc.isenabled()
        with signal_handlers():
            try:
                yield self
            finally:
                if enabled and not gc.isenabled():
                    gc.enable()

    @contextlib.contextmanager
    def job(self) -> Iterator[None]:
        """One job (any thread); when the last running job ends, nothing process-wide may be
        left over: a :class:`ValidatorError` says what was."""
        with self._lock:
            self._jobs += 1
        try:
            yield
        finally:
            with self._lock:
                self._jobs -= 1
                last = self._jobs == 0
        if last and (found := leftovers()):
            raise ValidatorError(f"a job left process-wide state behind: {', '.join(found)}")


def leftovers() -> tuple[str, ...]:
    """What is left behind while no job runs (empty: nothing)."""
    found = []
    if not gc.isenabled():
        found.append("the garbage collector is paused")
    if tempfile.tempdir is not None and "gitops-validator-run-" in tempfile.tempdir:
        found.append(f"the temporary root {tempfile.tempdir}")
    if process.running_groups():
        found.append(f"{process.running_groups()} child process groups")
    return tuple(found)
