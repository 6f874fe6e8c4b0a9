"""The local OPA server's lifecycle: start on a free loopback port, wait until healthy, always stop.

``opa run --server`` is started through :mod:`validator.process` in its own
session, so a Ctrl-C in the terminal does not reach it: stopping it is our job.
:func:`local_opa_server` stops it on normal exit and on any exception
(``KeyboardInterrupt`` included). Interpreter exit and termination by a supervisor are
covered by the process's lifecycle (:mod:`validator.lifecycle`: its exit hook and signal
handlers kill every child group) and, whatever happens to this process, by the server's
parent-death signal (:func:`validator.process.start`).
The command line (token authentication, policies loaded at startup) is built in
:mod:`validator.policy.command`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from opa_client import OpaClient

from validator import process
from validator.errors import CommandError, PolicyError
from validator.policy.capabilities import NETWORK_HINT, capabilities_json, uses_network_builtin
from validator.policy.command import (
    authz_policy,
    opa_check_command,
    opa_run_command,
    startup_errors,
)
from validator.policy.settings import RegoVersion
from validator.run_scope import lasting_temp_file, settle
from validator.sandbox import DEFAULT_MEMORY_LIMIT, format_size, out_of_memory
from validator.tools import Tool, require_tool

if TYPE_CHECKING:  # only the type: processes are started by validator.process
    from subprocess import Popen

_LOGGER = logging.getLogger(__name__)

#: Seconds allowed for OPA to answer /health after it was started.
STARTUP_TIMEOUT = 20.0

_RUNNING: set[Popen[bytes]] = set()
_LOCK = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class LocalServer:
    """A running local OPA server."""

    url: str
    """Base URL, ``http://127.0.0.1:<port>``."""
    token: str = field(repr=False)
    """The bearer token every request needs (never shown in a repr)."""
    process: Popen[bytes]
    """The ``opa`` process (see :func:`exit_reason`)."""
    log_path: Path
    """Where its output goes."""
    memory_limit: int | None = None
    """The memory bound it runs with (to name it when OPA runs out)."""

    def exit_reason(self, *, wait: float = 0.0) -> str | None:
        """Why the server is gone (exit code, last log lines), or None if it still runs after
        ``wait`` seconds (a dropped connection is seen slightly before the exit)."""
        deadline = time.monotonic() + wait
        while (code := self.process.poll()) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if code is None:
            return None
        tail = _log_tail(self.log_path)
        if self.memory_limit is not None and out_of_memory(_log_text(self.log_path)):
            return (f"OPA used more than {format_size(self.memory_limit)} of memory and was "
                    f"stopped (limit: --policy-memory-limit; log: {self.log_path})")
        return f"OPA exited with code {code}" + (f": {tail}" if tail else "") + \
            f" (log: {self.log_path})"


def _log_text(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text("utf-8", "replace")
    return ""


def _log_tail(path: Path, lines: int = 3) -> str:
    return " | ".join(_log_text(path).strip().splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(server: LocalServer, port: int) -> bool:
    """Poll /health until OPA answers, exits, or :data:`STARTUP_TIMEOUT` passes."""
    # Not OpaClient.wait_for_ready: it cannot notice that the process has exited.
    with OpaClient(host="127.0.0.1", port=port, retries=0, timeout=2.0,
                   token=server.token) as client:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if server.exit_reason() is not None:
                return False
            if client.check_health():
                return True
            time.sleep(0.01)
    return False


@contextlib.contextmanager
def local_opa_server(*, rego_version: RegoVersion, policy_files: Sequence[str] = (),
                     cwd: Path | None = None, log_path: Path | None = None,
                     allow_network: bool = False,
                     memory_limit: int | None = DEFAULT_MEMORY_LIMIT) -> Iterator[LocalServer]:
    """Start ``opa run --server`` on a free loopback port and stop it however the block ends.

    ``policy_files`` (paths relative to ``cwd``, or absolute) are loaded at startup;
    their load and compile errors raise :class:`PolicyError` naming file and line.
    Without ``log_path`` the output goes to a temporary file, deleted afterwards unless
    OPA exited on its own (then it is kept and its path is in the error message).
    Policies get no network builtins unless ``allow_network`` (see
    :mod:`validator.policy.capabilities`); OPA's memory is bounded by ``memory_limit``.
    """
    opa = require_tool(Tool.OPA)
    own_log = log_path is None
    if log_path is None:  # outside the run's root: kept when it explains an error
        log_path = lasting_temp_file(prefix="gitops-validator-opa-", suffix=".log")
    server: LocalServer | None = None
    crashed = alive = False
    token = secrets.token_urlsafe(32)
    fd, authz_name = tempfile.mkstemp(prefix="gitops-validator-authz-", suffix=".rego")
    authz = Path(authz_name)
    try:
        with os.fdopen(fd, "w") as out:  # mode 0600: only we can read the token
            out.write(authz_policy(token))
        if not allow_network and policy_files:
            _check_capabilities(opa, rego_version=rego_version, policy_files=policy_files,
                                cwd=cwd, memory_limit=memory_limit)
        for _attempt in range(3):  # another process may grab the port between probe and bind
            port = _free_port()
            command = opa_run_command(opa, port=port, rego_version=rego_version, authz=authz,
                                      policy_files=policy_files, cwd=cwd,
                                      memory_limit=memory_limit)
            proc = process.start(command, log_path=log_path)
            with _LOCK:
                _RUNNING.add(proc)
            server = LocalServer(url=f"http://127.0.0.1:{port}", token=token, process=proc,
                                 log_path=log_path, memory_limit=memory_limit)
            if _wait_healthy(server, port):
                break
            alive = proc.poll() is None  # running but never healthy, or exited
            _release(proc)
            if "address already in use" not in _log_tail(log_path):
                break
        if server is None or server.process.poll() is not None:
            if errors := startup_errors(_log_text(log_path)):
                hint = [NETWORK_HINT] if any(map(uses_network_builtin, errors)) else []
                raise PolicyError("; ".join(errors + hint))
            crashed = True
            reason = server.exit_reason() if server and not alive else None
            raise PolicyError("OPA server did not start: " + (
                reason or f"no answer on /health within {STARTUP_TIMEOUT:g}s; it logged: "
                f"{_log_tail(log_path)} (log: {log_path})"))
        authz.unlink()  # loaded: the token need not stay on disk
        _LOGGER.debug("OPA server ready at %s (pid %d)", server.url, server.process.pid)
        yield server
    finally:
        with contextlib.suppress(OSError):
            authz.unlink()
        if server is not None:
            with _LOCK:  # exited, and not stopped by us (a signal handler kills every child)
                crashed = crashed or (server.process.poll() is not None
                                      and server.process in _RUNNING
                                      and not process.stopping())  # not killed by a signal
            _release(server.process)
        if own_log:
            _settle_log(log_path, keep=crashed)


def _settle_log(log_path: Path, *, keep: bool) -> None:
    """Keep the log when it explains an error (its path is in the message), else remove it."""
    if not keep:
        with contextlib.suppress(OSError):
            log_path.unlink()
    settle(log_path)


def _check_capabilities(opa: Path, *, rego_version: RegoVersion, policy_files: Sequence[str],
                        cwd: Path | None, memory_limit: int | None) -> None:
    """Raise a :class:`PolicyError` naming file and line for a policy that calls a network
    builtin (other compile errors are left to the server, which reports them the same way)."""
    fd, name = tempfile.mkstemp(prefix="gitops-validator-capabilities-", suffix=".json")
    capabilities = Path(name)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(capabilities_json(allow_network=False, opa=opa))
        process.run(opa_check_command(opa, rego_version=rego_version, capabilities=capabilities,
                                      policy_files=policy_files, cwd=cwd,
                                      memory_limit=memory_limit))
    except CommandError as exc:
        errors = startup_errors(exc.stderr)
        if any(map(uses_network_builtin, errors)):
            raise PolicyError("; ".join([*errors, NETWORK_HINT])) from exc
    finally:
        capabilities.unlink(missing_ok=True)


def _release(proc: Popen[bytes]) -> None:
    with _LOCK:
        _RUNNING.discard(proc)
    process.stop(proc, grace=2.0)
