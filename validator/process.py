"""Commands and the one runner that runs them: the only module that imports ``subprocess``.

Modules for helm, kustomize, opa, kubeconform and conftest build :class:`Command`
values; :func:`run` executes them with a timeout, an output limit, a scrubbed
environment (no tokens reach an untrusted render), the sandbox a command asks for
(memory bound, no network: :mod:`validator.sandbox`) and a clear error on failure.
Long-lived processes (the OPA server) are started with :func:`start` and always
stopped with :func:`stop`.

Every child runs in its own process group, dies with us (parent-death signal) and is
listed in a registry while it runs: :func:`kill_all` ends every group at once (a
signal handler of :mod:`validator.run_scope` calls it, which wakes every thread
waiting on a child), and the run's guardian (:func:`start_guardian`) is told of each
group, so that even a SIGKILL of the validator leaves no child and no temporary
folder behind.
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
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from validator.errors import CommandError, CommandMemoryError, CommandTimeoutError
from validator.sandbox import (
    DEAD_PROXY_ENV,
    ChildSetup,
    NetworkIsolation,
    candidate_isolations,
    child_setup,
    format_size,
    out_of_memory,
)

_LOGGER = logging.getLogger(__name__)

#: Environment variables passed to subprocesses; everything else (tokens, keys) is dropped.
SAFE_ENV_VARS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER")

#: Default limit on captured standard output (bytes).
DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024


class _Registry:
    """The process groups of ours that are running, the run's temporary root and guardian."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # a signal handler may interrupt its own thread
        self.groups: dict[int, subprocess.Popen[bytes]] = {}
        self.stopping = False
        """Set by :func:`kill_all` (an interrupted run): no new process may start."""
        self.temp_root: Path | None = None
        self.guardian: subprocess.Popen[bytes] | None = None

    def tell_guardian(self, line: str) -> None:
        guardian = self.guardian
        if guardian is not None and guardian.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                os.write(guardian.stdin.fileno(), line.encode())


_REGISTRY = _Registry()


def _close_guardian_in_child() -> None:
    """A forked worker must not hold the guardian's input open (its end would never come).

    The descriptor is pointed at /dev/null rather than closed, so that the worker's copy
    of the file object never closes a descriptor number reused for something else.
    """
    guardian = _REGISTRY.guardian
    if guardian is not None and guardian.stdin is not None:
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, guardian.stdin.fileno())
            os.close(null)


os.register_at_fork(after_in_child=_close_guardian_in_child)


def scrubbed_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: the safe variables of ours plus ``extra``; TMPDIR is the
    run's temporary root while a run is in progress."""
    env = {k: os.environ[k] for k in SAFE_ENV_VARS if k in os.environ}
    if _REGISTRY.temp_root is not None:
        env["TMPDIR"] = str(_REGISTRY.temp_root)
    env.update(extra or {})
    return env


def temp_root() -> Path | None:
    """The current run's temporary root (None outside a run)."""
    return _REGISTRY.temp_root


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
    """Seconds from its start before the process is killed. A process seen to have finished
    only after that counts as timed out too, so that whether a command fits its limit does
    not depend on when the calling thread got round to waiting for it."""
    ok_codes: frozenset[int] = frozenset({0})
    """Exit codes that count as success."""
    max_output: int = DEFAULT_MAX_OUTPUT
    """Largest standard output accepted, in bytes."""
    stdin: bytes | None = None
    """Bytes written to standard input."""
    memory_limit: int | None = None
    """Bound on the data memory of the process in bytes (None: unbounded)."""
    isolate_network: bool = False
    """Run in a network namespace of its own (no connection at all, loopback included)."""

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
    enforced without holding an unbounded buffer in memory. The calling thread waits
    for the child (its parent-death signal is tied to this thread).
    """
    _LOGGER.debug("Running command: %s", command)
    name = Path(command.args[0]).name
    with tempfile.TemporaryFile(dir=temp_root()) as out, \
            tempfile.TemporaryFile(dir=temp_root()) as err:
        proc = _spawn(command, stdin=subprocess.PIPE if command.stdin is not None
                      else subprocess.DEVNULL, stdout=out, stderr=err)
        deadline = time.monotonic() + command.timeout
        try:
            left = max(deadline - time.monotonic(), 0.0)
            if command.stdin is not None:
                proc.communicate(command.stdin, timeout=left)
            else:
                proc.wait(timeout=left)
            if time.monotonic() > deadline:  # finished, but only seen after the limit
                raise subprocess.TimeoutExpired(command.args, command.timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)  # everything it started, not only the process itself
            raise CommandTimeoutError(
                f"{name} did not finish within {command.timeout:g}s: {command}") from exc
        except BaseException:
            _kill_group(proc)
            raise
        _kill_group(proc)  # what it left running in its group
        size = out.seek(0, os.SEEK_END)
        err.seek(0)
        stderr = err.read(1024 * 1024).decode("utf-8", "replace")
        if size > command.max_output:
            raise CommandError(
                f"{name} wrote {size} bytes, more than the limit of "
                f"{command.max_output}: {command}", stderr=stderr)
        out.seek(0)
        stdout = out.read()
    if proc.returncode not in command.ok_codes:
        if _REGISTRY.stopping:
            raise CommandError(f"{name} was stopped: the run is being interrupted")
        if command.memory_limit is not None and out_of_memory(stderr):
            raise CommandMemoryError(
                f"{name} used more than {format_size(command.memory_limit)} of memory "
                "and was stopped", stderr=stderr, returncode=proc.returncode,
                limit=command.memory_limit)
        raise CommandError(
            f"{name} exited with code {proc.returncode}: "
            f"{_last_lines(stderr) or command}", stderr=stderr, returncode=proc.returncode)
    return Result(returncode=proc.returncode, stdout=stdout, stderr=stderr)


def _spawn(command: Command, **streams: object) -> subprocess.Popen[bytes]:
    """Start ``command`` sandboxed in a new session and list its group in the registry."""
    env = scrubbed_env(command.env)
    flags = 0
    if command.isolate_network:
        isolation = network_isolation()
        flags = isolation.clone_flags
        if isolation is NetworkIsolation.NONE:
            env.update(DEAD_PROXY_ENV)
    setup = ChildSetup(parent_pid=os.getpid(), memory_limit=command.memory_limit,
                       unshare_flags=flags, uid=os.getuid(), gid=os.getgid())
    with _REGISTRY.lock:
        if _REGISTRY.stopping:
            raise CommandError(f"{Path(command.args[0]).name} not started: the run is "
                               "being interrupted")
        try:
            # the setup only makes system calls (see validator.sandbox)
            proc = subprocess.Popen(  # type: ignore[call-overload]
                command.args, cwd=command.cwd, env=env, start_new_session=True,
                preexec_fn=child_setup(setup), **streams)  # noqa: PLW1509
        except (OSError, subprocess.SubprocessError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise CommandError(f"cannot run {command.args[0]}: {reason}") from exc
        _REGISTRY.groups[proc.pid] = proc
        _REGISTRY.tell_guardian(f"+{proc.pid}\n")
    return proc  # type: ignore[no-any-return]


def _forget(proc: subprocess.Popen[bytes]) -> None:
    with _REGISTRY.lock:
        if _REGISTRY.groups.pop(proc.pid, None) is not None:
            _REGISTRY.tell_guardian(f"-{proc.pid}\n")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    _forget(proc)


def kill_all(*, refuse_new: bool = True) -> None:
    """Kill every process group of ours now and (``refuse_new``: an interrupted run) refuse
    new ones until :func:`allow_new`.

    Called from a signal handler: threads waiting on a child wake at once.
    """
    with _REGISTRY.lock:
        _REGISTRY.stopping = _REGISTRY.stopping or refuse_new
        groups = list(_REGISTRY.groups)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def allow_new() -> None:
    """Start processes again (a new run begins)."""
    with _REGISTRY.lock:
        _REGISTRY.stopping = False


def stopping() -> bool:
    """Whether the run is being interrupted (:func:`kill_all` was called)."""
    return _REGISTRY.stopping


def guard_file(path: Path, *, guarded: bool = True) -> None:
    """Have the run's guardian remove ``path`` (an absolute path outside the run's root) if
    the validator dies, or (``guarded=False``) no longer."""
    with _REGISTRY.lock:
        _REGISTRY.tell_guardian(f"{'+' if guarded else '-'}{path.absolute()}\n")


def running_groups() -> int:
    """How many process groups of ours are listed as running."""
    with _REGISTRY.lock:
        return len(_REGISTRY.groups)


def _last_lines(text: str, count: int = 5) -> str:
    return "\n".join(line for line in text.strip().splitlines()[-count:])


@functools.cache
def network_isolation() -> NetworkIsolation:
    """The best network isolation this kernel allows us, found once by starting a child.

    Only the set-up before ``exec`` is on trial: it fails with a ``SubprocessError``
    when ``unshare`` is refused, while an ``OSError`` comes from ``exec`` itself (the
    namespace worked; the probe program may just not be reachable from inside it).
    """
    probe = "/bin/true" if os.access("/bin/true", os.X_OK) else sys.executable
    for isolation in candidate_isolations():
        setup = ChildSetup(parent_pid=os.getpid(), memory_limit=None,
                           unshare_flags=isolation.clone_flags, uid=os.getuid(), gid=os.getgid())
        try:
            subprocess.Popen(
                [probe], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=child_setup(setup)).wait()  # noqa: PLW1509 - system calls only
        except subprocess.SubprocessError as exc:
            _LOGGER.debug("No %s: %s", isolation.value, exc)
            continue
        except OSError:
            pass
        return isolation
    _LOGGER.warning("The kernel allows no network namespace: renders fall back to proxy "
                    "variables that lead nowhere")
    return NetworkIsolation.NONE


def start(command: Command, *, log_path: Path) -> subprocess.Popen[bytes]:
    """Start a long-lived process in its own session, its output appended to ``log_path``.

    On Linux the process is also tied to the calling thread (parent-death signal), so
    not even a SIGKILL of the validator leaves it running: start it from the thread
    that will stop it.
    """
    _LOGGER.debug("Starting process: %s", command)
    with log_path.open("ab") as log:
        return _spawn(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """Stop a process started with :func:`start` (and its process group); never raises."""
    if proc.poll() is not None:
        _kill_group(proc)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    _kill_group(proc)


def start_guardian(root: Path) -> None:
    """Start the guardian of the run whose temporary root is ``root`` (see
    :mod:`validator.guardian`); children started from now on get ``TMPDIR=root``."""
    script = Path(__file__).with_name("guardian.py")
    try:
        guardian: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-I", "-S", str(script), str(root)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env=scrubbed_env())
    except OSError as exc:  # the run goes on; only a SIGKILL of ours would leave things
        _LOGGER.warning("No guardian for this run (%s): if the validator is killed, its "
                        "temporary folder %s stays", exc, root)
        guardian = None
    with _REGISTRY.lock:
        _REGISTRY.guardian = guardian
        _REGISTRY.temp_root = root
        for group in _REGISTRY.groups:
            _REGISTRY.tell_guardian(f"+{group}\n")


def stop_guardian() -> None:
    """End the guardian (it kills what is left, removes the root, exits) and wait for it,
    unless the run is being interrupted (then it finishes on its own)."""
    with _REGISTRY.lock:
        guardian, _REGISTRY.guardian = _REGISTRY.guardian, None
        _REGISTRY.temp_root = None
    if guardian is None:
        return
    if guardian.stdin is not None:
        with contextlib.suppress(OSError):
            guardian.stdin.close()
    if _REGISTRY.stopping:
        return
    try:
        guardian.wait(timeout=10)
    except subprocess.TimeoutExpired:
        guardian.kill()
        guardian.wait()


def run_args(args: Sequence[str], *, timeout: float = 60.0) -> Result:
    """Shorthand for :func:`run` of a plain argument list (tool version probes)."""
    return run(Command(args=tuple(args), timeout=timeout))
