"""Where every resource's schema comes from, prepared as files that both engines read.

Each run has its own folder; both engines read only files in it, through
kubeconform-style locations searched in this order (as kubeconform searches its
``-schema-location`` flags):

1. a *custom* folder (``g<n>/crds[-strict]/<group>/<kind>_<version>.json``) holding the
   schemas of CustomResourceDefinitions among the input documents and of files in
   the schema directories, converted to standalone JSON schemas. Which source a
   resource gets follows :mod:`validator.schema.sources` (same target, same
   top-level folder, schema directories, any other CRD); when two resources of one
   kind get different schemas, they use different custom folders ``g<n>`` (and
   kubeconform runs once per folder);
2. the Kubernetes schemas (``kubernetes/v1.35.0-standalone[-strict]/<kind>-<group>-<version>.json``),
   copied from the verified on-disk cache (:mod:`validator.schema.cache`,
   ``<cache>/kubernetes-validate-<v>-r<n>/...``), filled lazily from the
   ``kubernetes-validate`` package.

A kind the Kubernetes catalog knows (exact group, version and kind) never takes a
schema from the first location: CRDs and schema directories add kinds, they do
not replace Kubernetes' own. A custom resource no CRD and no schema directory
describes takes the package's bundled CRD schema, when there is one
(:mod:`validator.schema.bundled`), written to a custom folder like any other.

Schemas from CRDs and schema directories are checked content: a reference leaving
the schema is refused (:mod:`validator.schema.references`), reported on its line,
and the resources of that schema become errors instead of being checked against
anything fetched.

Schema directories: see :mod:`validator.schema.schema_dirs`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, assert_never

from validator.load import Document
from validator.model import Engine, Finding, Severity
from validator.schema.builtin import check_version, kubernetes_schema, package_version
from validator.schema.bundled import bundled_schema
from validator.schema.cache import digest, read_verified, write_bytes_atomic, write_verified
from validator.schema.naming import (
    GROUP_TEMPLATE,
    STANDALONE_TEMPLATE,
    SchemaLocation,
    is_safe_identity,
)
from validator.schema.references import RULE
from validator.schema.schema_dirs import load_schema_file, schema_dir_candidates
from validator.schema.settings import SchemaEngineName, SchemaSettings
from validator.schema.sources import (
    Identity,
    SchemaSource,
    choose,
    conflict_findings,
    crd_sources,
    standalone,
    top_folder,
)

_LOGGER = logging.getLogger(__name__)

#: Bump when the standalone conversion changes, so old cache files are not reused.
CONVERSION_REVISION = 2

__all__ = ["CONVERSION_REVISION", "Identity", "Resolution", "SchemaCatalog", "default_cache_dir"]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gitops-validator/schemas`` (``~/.cache/...`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-validator" / "schemas"


@dataclass(frozen=True, kw_only=True)
class Resolution:
    """The schema one document is checked against."""

    schema: Path | None = None
    """The prepared schema file (None: no schema, or refused)."""
    group: int = 0
    """The custom folder the engines must search (see the module docstring)."""
    refused: str = ""
    """Why the schema on offer cannot be used (it refers outside itself); empty otherwise."""


class SchemaCatalog:
    """The schema files of one run; use as a context manager (it owns a temporary folder)."""

    def __init__(self, settings: SchemaSettings) -> None:
        self.settings = settings
        self.version = check_version(settings.kubernetes_version)
        cache = settings.cache_dir or default_cache_dir()
        self.cache = SchemaLocation(
            root=cache / f"kubernetes-validate-{package_version()}-r{CONVERSION_REVISION}",
            layout=STANDALONE_TEMPLATE)
        self._run_dir = Path(tempfile.mkdtemp(prefix="gitops-validator-schemas-"))
        self.kubernetes = SchemaLocation(root=self._run_dir / "kubernetes", layout=STANDALONE_TEMPLATE)
        self._groups: list[dict[Identity, str]] = [{}]
        self._sources: dict[Identity, list[SchemaSource]] = {}
        self._files_loaded: set[Identity] = set()
        self._kubernetes_files: dict[Identity, tuple[Path | None, bool]] = {}
        self._resolved: dict[tuple[Identity, str, str], Resolution] = {}
        self._bundled_resolutions: dict[Identity, Resolution] = {}
        self.findings: list[Finding] = []
        """Findings on the schemas themselves (refused references, conflicts)."""

    def __enter__(self) -> SchemaCatalog:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Remove the per-run folder."""
        shutil.rmtree(self._run_dir, ignore_errors=True)

    def custom_location(self, group: int) -> SchemaLocation:
        """The custom folder ``group`` (see the module docstring)."""
        return SchemaLocation(root=self._run_dir / f"g{group}", layout=GROUP_TEMPLATE)

    @property
    def groups(self) -> int:
        """How many custom folders there are."""
        return len(self._groups)

    def locations_for(self, group: int) -> tuple[SchemaLocation, ...]:
        """The lookup order shared by both engines, for documents of custom folder ``group``."""
        return (self.custom_location(group), self.kubernetes)

    @property
    def locations(self) -> tuple[SchemaLocation, ...]:
        """The lookup order of the first custom folder."""
        return self.locations_for(0)

    def add_crds(self, documents: Iterable[Document]) -> None:
        """Offer the schemas of every CustomResourceDefinition among ``documents``."""
        for document in documents:
            for source in crd_sources(document):
                self._add(source)

    def _add(self, source: SchemaSource) -> None:
        self._sources.setdefault(source.identity, []).append(source)
        for refusal, location in zip(source.refused, source.refused_locations, strict=True):
            self.findings.append(Finding(rule_id=RULE, severity=Severity.ERROR,
                                         message=refusal.message, location=location,
                                         engine=_engine(self.settings)))

    def prepare(self, identities: Iterable[Identity]) -> dict[Identity, Path | None]:
        """The schema file of each identity for a resource outside any target (tests, tools)."""
        return {identity: self.resolve_for(identity, target="", path="").schema
                for identity in sorted(set(identities))}

    def prepare_documents(self, documents: Sequence[Document]) -> list[Resolution]:
        """The schema each document is checked against (same order)."""
        return [self.resolve_for((d.kind, d.api_version), target=d.target, path=d.path)
                for d in documents]

    def resolve(self, kind: str, api_version: str) -> Path | None:
        """The schema file a resource outside any target gets."""
        return self.resolve_for((kind, api_version), target="", path="").schema

    def resolve_for(self, identity: Identity, *, target: str, path: str) -> Resolution:
        """The schema of ``identity`` for a resource of ``target`` written in ``path``."""
        key = (identity, target, top_folder(path))
        if key not in self._resolved:
            self._resolved[key] = self._resolve(identity, target=target, path=path)
        return self._resolved[key]

    def _resolve(self, identity: Identity, *, target: str, path: str) -> Resolution:
        if not is_safe_identity(*identity):
            return Resolution()
        kubernetes, exact = self._kubernetes_file(identity)
        if exact:
            return Resolution(schema=kubernetes)
        source = choose(self.sources(identity), target=target, path=path)
        if source is None:  # the repository offers nothing of its own
            return self._bundled(identity, kubernetes)
        if source.refused:
            return Resolution(refused=f"the schema of {identity[0]} {identity[1]} at {source.where} "
                                      "was refused: it refers outside itself")
        return self._write_custom(identity, standalone(source, strict=self.settings.strict))

    def _bundled(self, identity: Identity, kubernetes: Path | None) -> Resolution:
        """The bundled CRD schema of ``identity`` (read once per run: it is the same everywhere),
        else the Kubernetes near miss, which fails on its kind/apiVersion enums."""
        if identity not in self._bundled_resolutions:
            schema = bundled_schema(*identity, strict=self.settings.strict)
            self._bundled_resolutions[identity] = (
                Resolution(schema=kubernetes) if schema is None else self._write_custom(identity, schema))
        return self._bundled_resolutions[identity]

    def sources(self, identity: Identity) -> list[SchemaSource]:
        """Every schema on offer for ``identity`` (CRDs, then the schema directory's file)."""
        if identity not in self._files_loaded:
            self._files_loaded.add(identity)
            for candidate in schema_dir_candidates(self.settings.schema_dirs, *identity,
                                                    root=self.settings.root):
                if candidate.is_file():
                    self._load_schema_file(identity, candidate)
                    break
        return self._sources.get(identity, [])

    def _write_custom(self, identity: Identity, schema: dict[str, Any]) -> Resolution:
        data = _json_bytes(schema)
        key = digest(data)
        group = next((number for number, chosen in enumerate(self._groups)
                      if chosen.get(identity, key) == key), len(self._groups))
        if group == len(self._groups):
            self._groups.append({})
        path = self.custom_location(group).path_for(*identity, self.version, self.settings.strict)
        if identity not in self._groups[group]:
            self._groups[group][identity] = key
            write_bytes_atomic(path, data)
        return Resolution(schema=path, group=group)

    def _kubernetes_file(self, identity: Identity) -> tuple[Path | None, bool]:
        """The verified Kubernetes schema file named after ``identity``, copied into the run,
        and whether it is exactly the schema of ``identity``."""
        if identity in self._kubernetes_files:
            return self._kubernetes_files[identity]
        kind, api_version = identity
        strict = self.settings.strict
        cached = self.cache.path_for(kind, api_version, self.version, strict)
        data = read_verified(cached)
        if data is None:
            schema = kubernetes_schema(kind, api_version, self.version, strict)
            if schema is not None:
                _LOGGER.debug("Caching schema of %s %s at %s", kind, api_version, cached)
                data = _json_bytes(schema)
                try:
                    write_verified(cached, data)
                except OSError as exc:  # a read-only cache slows the run down, nothing more
                    _LOGGER.warning("Cannot write the schema cache at %s: %s", cached, exc)
        found, exact = None, False
        if data is not None:
            found = self.kubernetes.path_for(kind, api_version, self.version, strict)
            if not found.is_file():
                write_bytes_atomic(found, data)
            exact = kubernetes_schema_exists(found, kind, api_version)
        self._kubernetes_files[identity] = (found, exact)
        return found, exact

    def _load_schema_file(self, identity: Identity, path: Path) -> None:
        loaded = load_schema_file(identity, path, shown=self._display_path(path))
        if isinstance(loaded, SchemaSource):
            self._add(loaded)
        else:
            self.findings.append(Finding(rule_id="schema/error", severity=Severity.ERROR,
                                         message=loaded.message, location=loaded.location,
                                         engine=_engine(self.settings)))

    def _display_path(self, path: Path) -> str:
        root = self.settings.root
        if root is not None:
            try:
                return path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        return path.as_posix()

    def conflicts(self) -> list[Finding]:
        """A warning on each source of a kind whose sources disagree (see :mod:`.sources`)."""
        for identity in list(self._sources):
            self.sources(identity)  # the schema directories' files join the comparison
        return conflict_findings(self._sources, _engine(self.settings))


def _engine(settings: SchemaSettings) -> Engine:
    match settings.engine:
        case SchemaEngineName.BUILTIN:
            return Engine.SCHEMA
        case SchemaEngineName.KUBECONFORM:
            return Engine.KUBECONFORM
        case _:
            assert_never(settings.engine)


def _json_bytes(schema: Any) -> bytes:
    return json.dumps(schema, separators=(",", ":"), sort_keys=True).encode("utf-8")


def kubernetes_schema_exists(path: Path, kind: str, api_version: str) -> bool:
    """Whether the schema file at ``path`` is the schema of exactly this group and kind.

    The kubeconform file name only carries the first label of the group, so
    ``apps.example.com/v1`` names the same file as ``apps/v1``; the file's ``kind``
    and ``apiVersion`` enums tell them apart.
    """
    try:
        properties = json.loads(path.read_text(encoding="utf-8")).get("properties", {})
    except (OSError, ValueError):
        return False
    kinds = properties.get("kind", {}).get("enum") or []
    versions = properties.get("apiVersion", {}).get("enum") or []
    return kind in kinds and api_version in versions
