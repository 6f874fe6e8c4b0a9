"""Process-wide state, owned by one object: the signal handlers, the exit hook, the jobs.

What a run changes beyond itself is process-wide: signal handlers (SIGINT, SIGTERM and
SIGHUP kill every child group at once, then end the run through its ordinary clean-up:
:mod:`validator.run_scope`), an ``atexit`` hook that kills children still running when
the interpreter exits, and the cyclic garbage collector, paused while documents are
built (``gc_paused``, counted, so overlapping pauses resume it once). One
:class:`Lifecycle` owns them:

- a host holds one for its life (:meth:`Lifecycle.hold`): the ``gitops-validator``
  command for its one process (:mod:`validator.cli.main`), a webhook server for as long
  as it serves. The handlers and the hook are installed once, by the holder, and the
  collector is left as it was found;
- every job of the service (``run_check``, ``run_diff``) runs in :func:`current`'s
  :meth:`Lifecycle.job`, from any thread, several at once: a job installs no handler
  when a lifecycle is held, and when the last running job ends nothing process-wide may
  be left over (the collector running again, no temporary root, no child process, as
  the first job found them);
- without a holder (a library caller) jobs run in a default lifecycle that installs the
  handlers for the job only, in the main thread: one call, one run.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from validator import process
from validator.errors import ValidatorError
from validator.run_scope import signal_handlers

__all__ = ["Lifecycle", "current", "leftovers"]

_HELD_LOCK = threading.Lock()
_HELD: list[Lifecycle] = []


@dataclass(frozen=True, kw_only=True)
class _State:
    """The process-wide state jobs must leave as they found it."""

    gc_enabled: bool = True
    groups: int = 0

    @classmethod
    def now(cls) -> _State:
        return cls(gc_enabled=gc.isenabled(), groups=process.running_groups())


class Lifecycle:
    """Held by a host for its life (:meth:`hold`); each job runs in :meth:`job`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs = 0
        self._held = False
        self._found = _State()

    def running(self) -> int:
        """How many jobs are running now (a host drains them before it stops)."""
        with self._lock:
            return self._jobs

    @contextlib.contextmanager
    def hold(self) -> Iterator[Lifecycle]:
        """Signal handlers and the exit hook for the host's life (handlers: main thread
        only); jobs started meanwhile run in this lifecycle; the collector left as found."""
        enabled = gc.isenabled()
        hook = functools.partial(process.kill_all, refuse_new=False)
        atexit.register(hook)
        with _HELD_LOCK:
            _HELD.append(self)
        self._held = True
        try:
            with signal_handlers():
                yield self
        finally:
            self._held = False
            with _HELD_LOCK:
                _HELD.remove(self)
            atexit.unregister(hook)
            if enabled and not gc.isenabled():
                gc.enable()

    @contextlib.contextmanager
    def job(self) -> Iterator[None]:
        """One job (any thread); when the last running job ends, nothing process-wide may be
        left over: a :class:`ValidatorError` says what was."""
        with self._lock:
            if self._jobs == 0:  # leftovers are judged against what the first job found
                self._found = _State.now()
            self._jobs += 1
        try:
            # held: the holder's handlers serve every job; else one call is one run
            with contextlib.nullcontext() if self._held else signal_handlers():
                yield
        finally:
            with self._lock:
                self._jobs -= 1
                last = self._jobs == 0
        if last and (found := leftovers(self._found)):
            raise ValidatorError(f"a job left process-wide state behind: {', '.join(found)}")


_DEFAULT = Lifecycle()


def current() -> Lifecycle:
    """The lifecycle jobs run in: the one held last, else the process's default one."""
    with _HELD_LOCK:
        return _HELD[-1] if _HELD else _DEFAULT


def leftovers(before: _State | None = None) -> tuple[str, ...]:
    """What is left behind while no job runs, against ``before`` (the state the first job
    found; default: the collector running, no child): empty for nothing. A host that runs
    without the collector, or keeps a child of its own, is not told a job left them."""
    before = before or _State()
    found = []
    if before.gc_enabled and not gc.isenabled():
        found.append("the garbage collector is paused")
    if tempfile.tempdir is not None and "gitops-validator-run-" in tempfile.tempdir:
        found.append(f"the temporary root {tempfile.tempdir}")
    if (groups := process.running_groups()) > before.groups:
        found.append(f"{groups - before.groups} child process groups")
    return tuple(found)
