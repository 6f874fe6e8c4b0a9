"""Commands and the one runner that runs them: the only module that imports ``subprocess``.

Modules for helm, kustomize, opa, kubeconform and conftest build :class:`Command`
values; :func:`run` executes them with a timeout, an output limit, a scrubbed
environment (no tokens reach an untrusted render) and a clear error on failure.
Long-lived processes (the OPA server) are started with :func:`start` and always
stopped with :func:`stop`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from validator.errors import CommandError, CommandTimeoutError

_LOGGER = logging.getLogger(__name__)

#: Environment variables passed to subprocesses; everything else (tokens, keys) is dropped.
SAFE_ENV_VARS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER")

#: Default limit on captured standard output (bytes).
DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024


def scrubbed_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: the safe variables of ours plus ``extra``."""
    env = {k: os.environ[k] for k in SAFE_ENV_VARS if k in os.environ}
    env.update(extra or {})
    return env


@dataclass(frozen=True, kw_only=True)
class Command:
    """One invocation of an external program."""

    args: tuple[str, ...]
    """Program and arguments."""
    cwd: Path | None = None
    """Working directory."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables added to the scrubbed environment."""
    timeout: float = 300.0
    """Seconds before the process is killed."""
    ok_codes: frozenset[int] = frozenset({0})
    """Exit codes that count as success."""
    max_output: int = DEFAULT_MAX_OUTPUT
    """Largest standard output accepted, in bytes."""
    stdin: bytes | None = None
    """Bytes written to standard input."""

    def __str__(self) -> str:
        return shlex.join(self.args)


@dataclass(frozen=True, kw_only=True)
class Result:
    """What a finished command produced."""

    returncode: int
    stdout: bytes
    stderr: str


def run(command: Command) -> Result:
    """Run ``command`` to completion; raise :class:`CommandError` unless its exit code is allowed.

    Output goes to a temporary file rather than a pipe so that the size limit is
    enforced without holding an unbounded buffer in memory.
    """
    _LOGGER.debug("Running command: %s", command)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                command.args, cwd=command.cwd, env=scrubbed_env(command.env),
                stdin=subprocess.PIPE if command.stdin is not None else subprocess.DEVNULL,
                stdout=out, stderr=err, start_new_session=True)
        except OSError as exc:
            raise CommandError(f"cannot run {command.args[0]}: {exc.strerror or exc}") from exc
        try:
            if command.stdin is not None:
                proc.communicate(command.stdin, timeout=command.timeout)
            else:
                proc.wait(timeout=command.timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)  # everything it started, not only the process itself
            raise CommandTimeoutError(
                f"{Path(command.args[0]).name} did not finish within {command.timeout:g}s: {command}"
            ) from exc
        except BaseException:
            _kill_group(proc)
            raise
        size = out.seek(0, os.SEEK_END)
        err.seek(0)
        stderr = err.read(1024 * 1024).decode("utf-8", "replace")
        if size > command.max_output:
            raise CommandError(
                f"{Path(command.args[0]).name} wrote {size} bytes, more than the limit of "
                f"{command.max_output}: {command}", stderr=stderr)
        out.seek(0)
        stdout = out.read()
    if proc.returncode not in command.ok_codes:
        raise CommandError(
            f"{Path(command.args[0]).name} exited with code {proc.returncode}: "
            f"{_last_lines(stderr) or command}", stderr=stderr, returncode=proc.returncode)
    return Result(returncode=proc.returncode, stdout=stdout, stderr=stderr)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _last_lines(text: str, count: int = 5) -> str:
    return "\n".join(line for line in text.strip().splitlines()[-count:])


_PR_SET_PDEATHSIG = 1
#: prctl from the C library already loaded in this process (resolved before any fork).


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """prctl from the C library already loaded in this process (looked up before any fork)."""
    if sys.platform != "linux":
        return None
    import ctypes  # noqa: PLC0415 - only runs that start a server need it

    return getattr(ctypes.CDLL(None), "prctl", None)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent goes (even by SIGKILL).

    Linux ties this to the thread that forked, so long-lived processes must be started
    from a thread that lives as long as they should (the OPA server is started by the
    thread that runs the evaluation, and stopped by it).
    """
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start(command: Command, *, log_path: Path) -> subprocess.Popen[bytes]:
    """Start a long-lived process in its own session, its output appended to ``log_path``.

    On Linux the process is also tied to ours, so not even a SIGKILL of the validator
    leaves it running.
    """
    _LOGGER.debug("Starting process: %s", command)
    with log_path.open("ab") as log:
        try:
            return subprocess.Popen(
                command.args, cwd=command.cwd, env=scrubbed_env(command.env),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if _prctl() is not None else None,  # noqa: PLW1509
            )
        except OSError as exc:
            raise CommandError(f"cannot run {command.args[0]}: {exc.strerror or exc}") from exc


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """Stop a process started with :func:`start` (and its process group); never raises."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_args(args: Sequence[str], *, timeout: float = 60.0) -> Result:
    """Shorthand for :func:`run` of a plain argument list (tool version probes)."""
    return run(Command(args=tuple(args), timeout=timeout))
