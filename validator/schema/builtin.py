"""The Kubernetes JSON schemas shipped in the ``kubernetes-validate`` package, made standalone.

The package holds ``v1.35.0-local[-strict]/<kind>-<group>-<version>.json`` files
whose refs point into a shared ``_definitions.json``. :class:`KubernetesSchemas`
finds the file of one resource kind by kubeconform's naming rule and bundles it with
the definitions it needs into one standalone schema.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from validator.errors import SchemaError
from validator.schema.naming import SchemaLocation, normalize_version
from validator.schema.standalone import bundle

_DEFINITIONS_PREFIXES = ("/api/_definitions.json#/$defs/", "#/$defs/")
_PACKAGE_LAYOUT = "{{ .ResourceKind }}{{ .KindSuffix }}.json"
_DIR_RE = re.compile(r"^v(\d+)\.(\d+)\.\d+-local$")


@functools.cache
def _package_root() -> Path:
    # found, not imported: importing kubernetes_validate pulls in python-jsonschema (~0.1 s)
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaError("the kubernetes-validate package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def package_dir() -> Path:
    """Where ``kubernetes-validate`` keeps its schemas."""
    return _package_root() / "kubernetes-json-schema"


@functools.cache
def package_version() -> str:
    """The installed ``kubernetes-validate`` version (part of the cache key)."""
    try:
        text = (_package_root() / "version.py").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    match = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", text)
    return match.group(1) if match else "unknown"


@functools.cache
def available_versions() -> tuple[str, ...]:
    """Kubernetes versions with schemas, as ``1.27`` strings, oldest first."""
    found = []
    for entry in package_dir().iterdir():
        if match := _DIR_RE.match(entry.name):
            found.append((int(match.group(1)), int(match.group(2))))
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


def check_version(kubernetes_version: str) -> str:
    """The ``major.minor`` of ``kubernetes_version``, or a :class:`SchemaError` listing versions."""
    version = normalize_version(kubernetes_version)
    if version not in available_versions():
        raise SchemaError(f"no schemas for Kubernetes {kubernetes_version}; available: "
                          + ", ".join(available_versions()))
    return version


@functools.cache
def _definitions(version: str, strict: bool) -> dict[str, Any]:
    path = package_dir() / f"v{version}.0-local{'-strict' if strict else ''}" / "_definitions.json"
    defs: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["$defs"]
    return defs


def kubernetes_schema(kind: str, api_version: str, version: str, strict: bool
                      ) -> dict[str, Any] | None:
    """The standalone schema kubeconform's file name for ``kind`` in ``api_version`` gives, if any.

    Like kubeconform, only the first label of the group and the lower-cased kind
    pick the file; its ``kind`` and ``apiVersion`` enums then reject a mismatch
    (``kind: deployment`` gets "must be 'Deployment'"). Files of object parts
    (``DeploymentSpec``) are not kinds and are not used.
    """
    folder = package_dir() / f"v{version}.0-local{'-strict' if strict else ''}"
    path = SchemaLocation(root=folder, layout=_PACKAGE_LAYOUT).path_for(
        kind, api_version, version, strict)
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if not schema.get("x-kubernetes-group-version-kind"):
        return None  # a part of an object (DeploymentSpec), not a kind
    return bundle(schema, _definitions(version, strict), ref_prefixes=_DEFINITIONS_PREFIXES)
