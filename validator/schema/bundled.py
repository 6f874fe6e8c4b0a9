"""The CRD schemas shipped with the package: the last place a custom resource's schema comes from.

``schemas/crds/<group>/<kind>_<version>.json`` (and ``schemas/crds-strict/`` for strict runs)
hold the CustomResourceDefinitions of Argo CD, Flux, cert-manager, Prometheus Operator,
External Secrets, Sealed Secrets, Gateway API, Kyverno and Gatekeeper, generated from the
projects' Go API modules at pinned versions by ``scripts/crd_schemas.py`` and already
converted by :func:`validator.schema.crd.crd_json_schema` (``schemas/crds/SOURCES.md`` says
from what). They are package data (``validator/data/crds``, ``validator/data/crds-strict``),
trusted like the Kubernetes schemas, and only consulted when neither a CRD in the checked
repository nor a schema directory offers the kind: a repository's own schemas always win.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from validator.package_data import data_path
from validator.schema.naming import is_safe_identity, split_api_version


def bundled_file(kind: str, api_version: str, *, strict: bool) -> Path | None:
    """The bundled schema file of ``kind`` in ``api_version``, if the package ships one."""
    group, version = split_api_version(api_version)
    if not group or not is_safe_identity(kind, api_version):
        return None
    path = data_path("crds-strict" if strict else "crds") / group / f"{kind.lower()}_{version}.json"
    return path if path.is_file() else None


def bundled_schema(kind: str, api_version: str, *, strict: bool) -> dict[str, Any] | None:
    """The bundled standalone schema of ``kind`` in ``api_version`` (None: not bundled)."""
    path = bundled_file(kind, api_version, strict=strict)
    if path is None:
        return None
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
