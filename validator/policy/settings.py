"""What a policy run is configured with: the settings the CLI and config file map onto.

:class:`PolicySettings` is the one value :func:`validator.policy.evaluate_policies`
takes besides the documents; every field corresponds to one CLI option (see
``docs/policies.md``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from validator.sandbox import DEFAULT_MEMORY_LIMIT


class RegoVersion(enum.StrEnum):
    """Which Rego syntax the policies are written in."""

    V0 = "v0"
    """Pre-1.0 syntax (``deny[msg] { ... }``): the local OPA runs with ``--v0-compatible``."""
    V1 = "v1"
    """OPA 1.x syntax (``deny contains msg if { ... }``), the default as in conftest."""


@dataclass(frozen=True, kw_only=True)
class PolicySettings:
    """How to find, load and evaluate the Rego policies of a run."""

    policy_dirs: tuple[Path, ...]
    """Directories (or single files) searched recursively for ``*.rego`` (``*_test.rego`` skipped)."""
    namespaces: tuple[str, ...] = ("main",)
    """Packages whose rules are evaluated; entries with ``*``, ``?`` or ``[`` are globs."""
    all_namespaces: bool = False
    """Evaluate every package that was loaded (``--all-namespaces``)."""
    data_paths: tuple[Path, ...] = ()
    """JSON/YAML files or directories exposed under ``data.`` exactly as conftest's ``--data``."""
    combine: bool = False
    """Evaluate all documents as one input (conftest's ``--combine`` shape)."""
    rego_version: RegoVersion = RegoVersion.V1
    """The syntax the policies are written in."""
    opa_url: str | None = None
    """Use this OPA server instead of starting a local one."""
    opa_token: str | None = None
    """Bearer token for ``opa_url``; never logged."""
    timeout: float = 60.0
    """Seconds allowed for each request to OPA (the evaluation query included)."""
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
    """Bytes of memory the local OPA server may use (``--policy-memory-limit``)."""
    allow_network: bool = False
    """Let policies use network builtins such as ``http.send`` (``--policy-network``)."""

    def __repr__(self) -> str:
        # The token must never reach a log line or traceback.
        token = "***" if self.opa_token else None
        url = re.sub(r"//[^/@]*@", "//***@", self.opa_url) if self.opa_url else None
        return (f"PolicySettings(policy_dirs={self.policy_dirs!r}, namespaces={self.namespaces!r}, "
                f"all_namespaces={self.all_namespaces!r}, data_paths={self.data_paths!r}, "
                f"combine={self.combine!r}, rego_version={self.rego_version!r}, "
                f"opa_url={url!r}, opa_token={token!r}, timeout={self.timeout!r}, "
                f"memory_limit={self.memory_limit!r}, allow_network={self.allow_network!r})")
