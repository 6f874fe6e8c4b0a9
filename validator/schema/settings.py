"""What the schema stage is asked to do (settings) and what it answers (result)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from validator.defaults import DEFAULT_KUBERNETES_VERSION
from validator.model import Finding, Skipped


class SchemaEngineName(enum.StrEnum):
    """Which engine checks documents against their schemas; both give the same verdicts."""

    BUILTIN = "builtin"
    """In-process (jsonschema-rs), the default: no subprocess, no temporary files."""
    KUBECONFORM = "kubeconform"
    """The kubeconform binary, run offline on the same schema files."""


@dataclass(frozen=True, kw_only=True)
class SchemaSettings:
    """Settings of the schema stage (CLI flags map onto these fields one to one)."""

    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    """Kubernetes version whose schemas apply (``1.35``, ``v1.35.0``)."""
    strict: bool = False
    """Reject fields the schema does not declare (kubeconform's ``-strict``)."""
    schema_dirs: tuple[Path, ...] = ()
    """Folders of extra JSON schemas (CRDs), see :mod:`validator.schema.catalog` for layouts."""
    ignore_missing_schemas: bool = False
    """A kind without a schema is skipped (reported) instead of being an error."""
    skip_kinds: frozenset[str] = frozenset()
    """Kinds (``Secret``) or ``group/version/Kind`` values not checked (reported as skipped)."""
    reject_kinds: frozenset[str] = frozenset()
    """Kinds (or ``group/version/Kind``) that are an error wherever they appear."""
    engine: SchemaEngineName = SchemaEngineName.BUILTIN
    """The engine to use."""
    cache_dir: Path | None = None
    """Where standalone Kubernetes schemas are cached; None for the XDG cache folder."""
    jobs: int = 2
    """Parallelism of the kubeconform engine (``-n``)."""
    root: Path | None = None
    """The repository root: findings on schema files name them relative to it."""


@dataclass(frozen=True, kw_only=True)
class SchemaResult:
    """What the schema stage found."""

    findings: tuple[Finding, ...] = ()
    """Schema violations, missing schemas and rejected kinds."""
    skipped: tuple[Skipped, ...] = ()
    """Documents not checked, and why."""
    checked: int = 0
    """How many documents were validated against a schema."""
