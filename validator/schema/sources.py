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
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from validator.load import Document
from validator.model import Engine, Finding, Location, Severity
from validator.schema.crd import convert, crd_json_schema, crd_versions
from validator.schema.naming import is_safe_identity
from validator.schema.references import RefusedReference, refused_references, without_identifiers
from validator.schema.standalone import DRAFT_2020_12

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


def crd_sources(document: Document) -> Iterator[SchemaSource]:
    """The schema sources of one document: each served version of a CRD (none otherwise)."""
    if document.kind != "CustomResourceDefinition" or not document.api_version.startswith(
            "apiextensions.k8s.io/"):
        return
    for version in crd_versions(document.body):
        identity = (version.kind, version.api_version)
        if not is_safe_identity(*identity):
            continue
        refused = tuple(refused_references(version.schema, check_schema_keyword=True))
        yield SchemaSource(
            identity=identity, kind=SourceKind.CRD, schema=dict(version.schema),
            location=document.locate(version.schema_path), target=document.target,
            refused=refused,
            refused_locations=tuple(document.locate((*version.schema_path, *ref.path))
                                    for ref in refused))


def standalone(source: SchemaSource, *, strict: bool) -> dict[str, Any]:
    """The standalone JSON schema (2020-12) of a source that refers only inside itself."""
    kind, api_version = source.identity
    match source.kind:
        case SourceKind.CRD:
            return crd_json_schema(source.schema, api_version=api_version, kind=kind, strict=strict)
        case SourceKind.SCHEMA_FILE:
            converted: dict[str, Any] = convert(without_identifiers(source.schema), strict=strict)
            converted.pop("$schema", None)
            return {"$schema": DRAFT_2020_12, **converted}


def conflict_findings(sources: Mapping[Identity, Sequence[SchemaSource]], engine: Engine
                      ) -> list[Finding]:
    """A ``schema/crd-conflict`` warning on each usable source of a kind whose sources differ."""
    findings = []
    for identity in sorted(sources):
        usable = [s for s in sources[identity] if not s.refused]
        if len({_canonical(standalone(s, strict=False)) for s in usable}) < 2:
            continue
        for source in usable:
            others = ", ".join(dict.fromkeys(o.where for o in usable if o.where != source.where)
                               ) or "the same CRD as another target renders it"
            findings.append(Finding(
                rule_id="schema/crd-conflict", severity=Severity.WARNING, location=source.location,
                engine=engine,
                message=(f"conflicting schemas for {identity[0]} {identity[1]}: this one differs "
                         f"from {others}; each resource uses the nearest one (same target, same "
                         "top-level folder, schema directories, then the first by path)")))
    return findings


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))
