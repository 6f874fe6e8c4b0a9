"""Where the schema of a custom resource comes from when the repository offers several.

Sources are the served versions of CustomResourceDefinitions among the checked
documents and the files of the schema directories (the repository's ``schemas/``
and ``--schema-dir``). For a resource, the first tier that has a source wins:

1. a CRD rendered by the same target (the same Kustomize overlay or Helm release);
2. a CRD in the same top-level folder of the repository (``apps/``, ``tests/``...);
3. the schema directories, in the order given;
4. any other CRD in the repository.

Within a tier, the source first by file and line wins. Two sources of the same
group, version and kind whose schemas differ are a conflict, reported as a warning
(``schema/crd-conflict``) on each of them: a CRD in a test-fixture folder then no
longer decides the verdict of resources in unrelated folders.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from validator.model import Location
from validator.schema.references import RefusedReference

Identity = tuple[str, str]
"""``(kind, apiVersion)``."""


class SourceKind(enum.Enum):
    """What a schema source is."""

    CRD = "crd"
    """A served version of a CustomResourceDefinition among the checked documents."""
    SCHEMA_FILE = "schema-file"
    """A JSON schema file in a schema directory."""


@dataclass(frozen=True, kw_only=True)
class SchemaSource:
    """One schema on offer for one kind in one ``apiVersion``."""

    identity: Identity
    """``(kind, apiVersion)`` it describes."""
    kind: SourceKind
    """CRD or schema file."""
    schema: Mapping[str, Any]
    """The schema as written (OpenAPI v3 for a CRD, JSON Schema for a file)."""
    location: Location
    """Where it is written (the CRD's schema, or the file's first line)."""
    target: str = ""
    """The render target of the CRD (empty for plain files and schema files)."""
    refused: tuple[RefusedReference, ...] = ()
    """References that leave the schema: the source cannot be used."""
    refused_locations: tuple[Location, ...] = ()
    """Where each refused reference is written (same order as ``refused``)."""

    @property
    def where(self) -> str:
        """``path:line`` of the source."""
        return f"{self.location.path}:{self.location.line}"

    @property
    def folder(self) -> str:
        """The top-level folder of the source's file (empty for a file at the root)."""
        return top_folder(self.location.path)


def top_folder(path: str) -> str:
    """``apps/web/x.yaml`` -> ``apps``; ``x.yaml`` -> ``""``."""
    head, sep, _ = path.partition("/")
    return head if sep else ""


def choose(sources: Sequence[SchemaSource], *, target: str, path: str) -> SchemaSource | None:
    """The source a resource rendered by ``target`` from ``path`` uses (see the module docstring)."""
    crds = sorted((s for s in sources if s.kind is SourceKind.CRD), key=_order)
    files = [s for s in sources if s.kind is SourceKind.SCHEMA_FILE]
    folder = top_folder(path)
    tiers = (
        [s for s in crds if target and s.target == target],
        [s for s in crds if s.folder == folder],
        files,
        crds,
    )
    return next((tier[0] for tier in tiers if tier), None)


def _order(source: SchemaSource) -> tuple[str, int]:
    return source.location.path, source.location.line
