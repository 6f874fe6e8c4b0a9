"""Every option of a check, typed, with its default: the one place defaults live.

The CLI's flags take their defaults from :data:`DEFAULTS` and build a
:class:`CheckOptions` (``check`` hands its mapping to ``resolve_check_settings``, ``diff``
puts it in a :class:`~validator.service.DiffRequest`); the GitHub Action adapter and the
webhook app are meant to build one the same way. Output, colour and progress are the
way in's own business and are not here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from validator.config import FailOn
from validator.defaults import DEFAULT_KUBERNETES_VERSION
from validator.policy.settings import RegoVersion
from validator.schema import SchemaEngineName


def _cpu_count() -> int:
    return os.cpu_count() or 2


@dataclass(frozen=True, kw_only=True)
class CheckOptions:
    """The options of one check (and of each side of a diff), by ``check``'s flag names."""

    jobs: int = field(default_factory=_cpu_count)
    render_timeout: float = 120.0
    include_helm_tests: bool = False
    render_memory_limit: str = "1.5GiB"
    no_render_cache: bool = False
    skip_non_kubernetes: bool = False
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    strict: bool = False
    schema_dirs: tuple[str | Path, ...] = ()
    ignore_missing_schemas: bool = False
    skip_kinds: tuple[str, ...] = ()
    reject_kinds: tuple[str, ...] = ()
    schema_engine: SchemaEngineName = SchemaEngineName.BUILTIN
    schema_cache_dir: Path | None = None
    no_schema: bool = False
    policies: tuple[str | Path, ...] = ()
    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    data_paths: tuple[str | Path, ...] = ()
    combine: bool = False
    rego_version: RegoVersion = RegoVersion.V1
    opa_url: str | None = None
    opa_token: str | None = None
    policy_timeout: float = 60.0
    policy_memory_limit: str = "1.5GiB"
    policy_network: bool = False
    no_policy: bool = False
    rules: tuple[str, ...] = ()
    fail_on: FailOn = FailOn.ERROR

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> CheckOptions:
        """The options among ``values`` (a click command's parameters), others left out;
        sequences become tuples and choices their enum."""
        kinds = {"schema_engine": SchemaEngineName, "rego_version": RegoVersion, "fail_on": FailOn}
        chosen: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in values:
                continue
            value = values[item.name]
            if isinstance(value, list | tuple):
                value = tuple(value)
            elif item.name in kinds and value is not None:
                value = kinds[item.name](value)
            chosen[item.name] = value
        return cls(**chosen)

    def as_mapping(self) -> dict[str, Any]:
        """The options by name, as ``resolve_check_settings`` reads them."""
        return asdict(self)


#: The defaults, for the ways in to show (``--help``) and to start from.
DEFAULTS = CheckOptions()
