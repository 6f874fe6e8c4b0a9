"""One run's lifetime: a temporary root, a guardian, and signals that stop the run at once.

:func:`run_scope` wraps a whole ``check``: every temporary file and folder of the run
lives under one root (it is :mod:`tempfile`'s default folder for the run, and children
get it as ``TMPDIR``), removed when the run ends however it ends.

:func:`signal_handlers` handles SIGINT, SIGTERM and SIGHUP: the handler kills every
child process group first (so the threads waiting on helm or kustomize and a request to
OPA return immediately) and then raises ``KeyboardInterrupt`` (SIGINT) or
``SystemExit(128 + signal)``, so the ordinary clean-up runs. A scope installs none:
:mod:`validator.lifecycle` owns them (held by the command for its process, or by a
server for its life). A SIGKILL leaves the clean-up to the guardian
(:mod:`validator.guardian`) and to the children's parent-death signal.

Scopes nest and may overlap in threads (a webhook worker pool): they share one root,
removed when the last one ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from validator import process

_LOCK = threading.Lock()
_ACTIVE = 0
_ROOT: Path | None = None
_PREVIOUS_TEMPDIR: str | None = None

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    process.kill_all()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def _install_handlers() -> dict[int, object]:
    """Our handler for each signal still at its default (or Python's SIGINT default)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, object] = {}
    for signum in _SIGNALS:
        current = signal.getsignal(signum)
        if current in (signal.SIG_DFL, signal.default_int_handler):
            previous[signum] = current
            signal.signal(signum, _on_signal)
    return previous


@contextlib.contextmanager
def signal_handlers() -> Iterator[None]:
    """The run's signal handlers installed for the block (main thread only, and only over
    the default handlers): :mod:`validator.lifecycle` holds them for a host's life, or for
    one job when no host holds them."""
    previous = _install_handlers()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def lasting_temp_file(*, prefix: str, suffix: str) -> Path:
    """An empty temporary file outside the run's root, so that it can outlive the run (a
    log kept to explain an error); removed by the guardian if the validator dies, until
    :func:`settle` says it is kept or gone."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix,
                                dir=_PREVIOUS_TEMPDIR if _ACTIVE else None)
    os.close(fd)
    path = Path(name)
    process.guard_file(path)
    return path


def settle(path: Path) -> None:
    """``path`` (from :func:`lasting_temp_file`) is kept or removed by its owner now."""
    process.guard_file(path, guarded=False)


@contextlib.contextmanager
def run_scope() -> Iterator[Path]:
    """The run's temporary root for the block; everything of the run is gone afterwards."""
    global _ACTIVE, _ROOT, _PREVIOUS_TEMPDIR  # noqa: PLW0603 - one root per process
    with _LOCK:
        if _ACTIVE == 0:
            process.allow_new()
            _ROOT = Path(tempfile.mkdtemp(prefix="gitops-validator-run-"))
            process.start_guardian(_ROOT)
            _PREVIOUS_TEMPDIR, tempfile.tempdir = tempfile.tempdir, str(_ROOT)
        _ACTIVE += 1
        root = _ROOT
    if root is None:  # pragma: no cover - set above under the lock
        raise RuntimeError("run scope without a root")
    try:
        yield root
    finally:
        with _LOCK:
            _ACTIVE -= 1
            last = _ACTIVE == 0
            if last:
                _ROOT = None
                tempfile.tempdir = _PREVIOUS_TEMPDIR
        if last:
            process.kill_all(refuse_new=False)  # nothing of the run outlives it
            process.stop_guardian()
            shutil.rmtree(root, ignore_errors=True)
            process.allow_new()
