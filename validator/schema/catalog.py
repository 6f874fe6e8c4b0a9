"""Where every resource's schema comes from, prepared as files that both engines read.

Two kubeconform-style locations, searched in this order (as kubeconform searches
its ``-schema-location`` flags):

1. a per-run folder (``crds[-strict]/<group>/<kind>_<version>.json``) holding the
   schemas of CustomResourceDefinitions found among the input documents (first)
   and of files found in the schema directories (in the order given), converted
   to standalone JSON schemas;
2. the on-disk cache of Kubernetes schemas
   (``<cache>/kubernetes-validate-<v>-r<n>/v1.35.0-standalone[-strict]/<kind>-<group>-<version>.json``),
   filled lazily from the ``kubernetes-validate`` package.

A kind the Kubernetes catalog knows (exact group, version and kind) never takes a
schema from the first location: CRDs and schema directories add kinds, they do
not replace Kubernetes' own.

Schema directories may use either layout (``<dir>`` is each directory given):

- CRDs-catalog: ``<dir>/<group>/<kind>_<version>.json`` (kind lower-case, full group);
- kubeconform's openapi2jsonschema default: ``<dir>/<kind>-<group's first label>-<version>.json``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from validator.errors import SchemaError
from validator.load import Document
from validator.schema.builtin import check_version, kubernetes_schema, package_version
from validator.schema.crd import convert, crd_json_schema, crd_versions
from validator.schema.naming import (
    GROUP_TEMPLATE,
    STANDALONE_TEMPLATE,
    SchemaLocation,
    is_safe_identity,
    split_api_version,
)
from validator.schema.settings import SchemaSettings
from validator.schema.standalone import DRAFT_2020_12, write_json_atomic

_LOGGER = logging.getLogger(__name__)

#: Bump when the standalone conversion changes, so old cache files are not reused.
CONVERSION_REVISION = 2

Identity = tuple[str, str]
"""``(kind, apiVersion)``."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gitops-validator/schemas`` (``~/.cache/...`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-validator" / "schemas"


class SchemaCatalog:
    """The schema files of one run; use as a context manager (it owns a temporary folder)."""

    def __init__(self, settings: SchemaSettings) -> None:
        self.settings = settings
        self.version = check_version(settings.kubernetes_version)
        cache = settings.cache_dir or default_cache_dir()
        self.kubernetes = SchemaLocation(
            root=cache / f"kubernetes-validate-{package_version()}-r{CONVERSION_REVISION}",
            layout=STANDALONE_TEMPLATE)
        self._run_dir = Path(tempfile.mkdtemp(prefix="gitops-validator-schemas-"))
        self.custom = SchemaLocation(root=self._run_dir, layout=GROUP_TEMPLATE)
        self._crds: dict[Identity, dict[str, Any]] = {}

    def __enter__(self) -> SchemaCatalog:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Remove the per-run folder."""
        shutil.rmtree(self._run_dir, ignore_errors=True)

    @property
    def locations(self) -> tuple[SchemaLocation, ...]:
        """The lookup order shared by both engines."""
        return (self.custom, self.kubernetes)

    def add_crds(self, documents: Iterable[Document]) -> None:
        """Remember the schemas of every CustomResourceDefinition among ``documents``."""
        for document in documents:
            if document.kind != "CustomResourceDefinition" or not document.api_version.startswith(
                    "apiextensions.k8s.io/"):
                continue
            for version in crd_versions(document.body):
                identity = (version.kind, version.api_version)
                if is_safe_identity(*identity):
                    self._crds[identity] = dict(version.schema)

    def prepare(self, identities: Iterable[Identity]) -> dict[Identity, Path | None]:
        """Write the schema file of each identity (if there is one); map each to its file."""
        strict = self.settings.strict
        found: dict[Identity, Path | None] = {}
        for kind, api_version in sorted(set(identities)):
            if not is_safe_identity(kind, api_version):
                found[(kind, api_version)] = None
                continue
            found[(kind, api_version)] = self._prepare_one(kind, api_version, strict)
        return found

    def _prepare_one(self, kind: str, api_version: str, strict: bool) -> Path | None:
        target = self.kubernetes.path_for(kind, api_version, self.version, strict)
        if not target.is_file():
            schema = kubernetes_schema(kind, api_version, self.version, strict)
            if schema is not None:
                _LOGGER.debug("Caching schema of %s %s at %s", kind, api_version, target)
                write_json_atomic(target, schema)
        exact = target.is_file() and kubernetes_schema_exists(target, kind, api_version)
        if not exact and (custom := self._custom_schema(kind, api_version, strict)) is not None:
            write_json_atomic(self.custom.path_for(kind, api_version, self.version, strict), custom)
        return self.resolve(kind, api_version)

    def resolve(self, kind: str, api_version: str) -> Path | None:
        """The first existing schema file along :attr:`locations`, as kubeconform picks it."""
        for location in self.locations:
            path = location.path_for(kind, api_version, self.version, self.settings.strict)
            if path.is_file():
                return path
        return None

    def _custom_schema(self, kind: str, api_version: str, strict: bool) -> dict[str, Any] | None:
        if (kind, api_version) in self._crds:
            return crd_json_schema(self._crds[(kind, api_version)], api_version=api_version,
                                   kind=kind, strict=strict)
        for path in schema_dir_candidates(self.settings.schema_dirs, kind, api_version):
            if path.is_file():
                return _load_schema_file(path, strict)
        return None


def kubernetes_schema_exists(path: Path, kind: str, api_version: str) -> bool:
    """Whether the cached file at ``path`` is the schema of exactly this group and kind.

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


def schema_dir_candidates(dirs: Sequence[Path], kind: str, api_version: str) -> list[Path]:
    """The files that may hold the schema of ``kind`` in ``api_version``, in lookup order."""
    group, version = split_api_version(api_version)
    first = group.split(".")[0]
    out: list[Path] = []
    for folder in dirs:
        if group:
            out.append(folder / group / f"{kind.lower()}_{version}.json")
            out.append(folder / f"{kind.lower()}-{first}-{version}.json".lower())
        else:
            out.append(folder / f"{kind.lower()}-{version}.json")
    return out


def _load_schema_file(path: Path, strict: bool) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: not a readable JSON schema: {exc}") from exc
    if not isinstance(schema, dict):
        raise SchemaError(f"{path}: a JSON schema must be an object")
    converted: dict[str, Any] = convert(schema, strict=strict)
    converted.pop("$schema", None)
    return {"$schema": DRAFT_2020_12, **converted}
