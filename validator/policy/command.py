"""The ``opa run --server`` command line of a local server, and reading why it did not start.

The server listens on loopback only, never calls home (``--skip-version-check``),
requires the run's bearer token (``--authentication=token --authorization=basic``
with a ``system.authz`` policy written to a private temporary file: the token never
appears on a command line) and loads the run's policy files at startup, so that
they are parsed and compiled once. (Pushing them one by one through the REST API
recompiles every module on each push: 200 policies take seconds instead of 0.2 s.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from validator import process
from validator.policy.settings import RegoVersion

_AUTHZ_POLICY = """package system.authz

import rego.v1

default allow := false

allow if input.identity == {token}
"""

#: ``policies/x.rego:12: rego_type_error: ...`` as OPA prints load and compile errors,
#: the first one possibly after ``error: initialization error: 1 error occurred: ``.
_HEADER = re.compile(r"^(?:error: .*?|\d+ errors?) occurred(?: during loading)?:\s*")
_ERROR_LINE = re.compile(r"^[^\s{].*?:\d+: [a-z_]+: .*$")  # not OPA's JSON log lines


def authz_policy(token: str) -> str:
    """The ``system.authz`` module that admits requests carrying ``token`` only."""
    return _AUTHZ_POLICY.format(token=json.dumps(token))


def module_arg(path: str) -> str:
    """``path`` as an ``opa run`` argument (never read as a flag)."""
    return f"./{path}" if path.startswith("-") else path


def opa_run_command(opa: Path, *, port: int, rego_version: RegoVersion, authz: Path,
                    policy_files: Sequence[str], cwd: Path | None,
                    memory_limit: int | None = None) -> process.Command:
    """``opa run --server`` on ``127.0.0.1:port`` with the authz policy and ``policy_files``,
    using at most ``memory_limit`` bytes of memory. (Not in a network namespace: it must
    listen on our loopback.)"""
    args = [str(opa), "run", "--server", "--addr", f"127.0.0.1:{port}",
            "--skip-version-check", "--log-level", "error", "--shutdown-grace-period", "1",
            "--authentication=token", "--authorization=basic"]
    match rego_version:
        case RegoVersion.V0:
            args.append("--v0-compatible")
        case RegoVersion.V1:
            pass
    args += [str(authz), *(module_arg(p) for p in policy_files)]
    return process.Command(args=tuple(args), cwd=cwd, memory_limit=memory_limit)


def opa_check_command(opa: Path, *, rego_version: RegoVersion, capabilities: Path,
                      policy_files: Sequence[str], cwd: Path | None,
                      memory_limit: int | None = None) -> process.Command:
    """``opa check`` of ``policy_files`` against ``capabilities`` (``opa run`` has no such
    flag, so the server's policies are checked by this command before it starts)."""
    args = [str(opa), "check", "--capabilities", str(capabilities)]
    match rego_version:
        case RegoVersion.V0:
            args.append("--v0-compatible")
        case RegoVersion.V1:
            pass
    args += [module_arg(p) for p in policy_files]
    return process.Command(args=tuple(args), cwd=cwd, memory_limit=memory_limit,
                           isolate_network=True, timeout=120)


def startup_errors(log_text: str) -> list[str]:
    """The ``file:line: code: message`` errors OPA printed before exiting (policy errors)."""
    lines = (_HEADER.sub("", line).strip() for line in log_text.splitlines())
    return [line for line in lines if _ERROR_LINE.match(line)]
