"""CustomResourceDefinitions (and CRD-derived schema files) turned into standalone JSON schemas.

Kubernetes structural schemas are OpenAPI v3, not JSON Schema: this module maps
``nullable``, ``x-kubernetes-int-or-string``, boolean ``exclusiveMinimum`` /
``exclusiveMaximum`` and, under strict, closes every object that declares
``properties`` and does not set ``x-kubernetes-preserve-unknown-fields`` (what the
API server's pruning would silently drop is reported instead). The root always
accepts ``apiVersion``, ``kind`` and ``metadata``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from validator.model import FieldPath
from validator.schema.references import without_identifiers
from validator.schema.standalone import DRAFT_2020_12, integer_format_bounds, rewrite

_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMAS = ("items", "not", "additionalItems")


@dataclass(frozen=True, kw_only=True)
class CrdVersion:
    """The schema one CRD serves for one ``group/version`` and kind."""

    group: str
    version: str
    kind: str
    schema: Mapping[str, Any]
    """The ``openAPIV3Schema`` as written."""
    schema_path: FieldPath = ()
    """Where the ``openAPIV3Schema`` is in the CRD object (for findings on it)."""

    @property
    def api_version(self) -> str:
        """``group/version``."""
        return f"{self.group}/{self.version}"


def crd_versions(body: Mapping[str, Any]) -> Iterator[CrdVersion]:
    """The served versions with a schema of one CRD object (v1, or v1beta1's shared schema)."""
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        return
    group, names = spec.get("group"), spec.get("names")
    kind = names.get("kind") if isinstance(names, Mapping) else None
    if not isinstance(group, str) or not isinstance(kind, str):
        return
    shared = _schema_of(spec.get("validation"))
    shared_path: FieldPath = ("spec", "validation", "openAPIV3Schema")
    versions = spec.get("versions")
    listed = isinstance(versions, list)
    if not isinstance(versions, list):
        versions = [{"name": spec.get("version"), "served": True}]
    for index, entry in enumerate(versions):
        if not isinstance(entry, Mapping) or entry.get("served") is False:
            continue
        own = _schema_of(entry.get("schema"))
        schema = own or shared
        path = ("spec", "versions", index, "schema", "openAPIV3Schema") if own and listed else shared_path
        if isinstance(entry.get("name"), str) and schema is not None:
            yield CrdVersion(group=group, version=entry["name"], kind=kind, schema=schema,
                             schema_path=path)


def _schema_of(holder: object) -> Mapping[str, Any] | None:
    schema = holder.get("openAPIV3Schema") if isinstance(holder, Mapping) else None
    return schema if isinstance(schema, Mapping) else None


def crd_json_schema(schema: Mapping[str, Any], *, api_version: str, kind: str,
                    strict: bool) -> dict[str, Any]:
    """A standalone JSON schema (2020-12) equivalent to an OpenAPI v3 structural ``schema``."""
    root = convert(rewrite(without_identifiers(schema), lambda ref: ref), strict=strict)
    properties = root.setdefault("properties", {})
    properties.setdefault("apiVersion", {"type": "string", "enum": [api_version]})
    properties.setdefault("kind", {"type": "string", "enum": [kind]})
    properties.setdefault("metadata", {"type": "object"})
    root.setdefault("type", "object")
    root.pop("$schema", None)
    return {"$schema": DRAFT_2020_12, **root}


def convert(node: Any, *, strict: bool) -> Any:
    """Convert one OpenAPI v3 schema node (recursively) to JSON Schema; see the module docstring."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key in ("properties", "patternProperties"):
        if isinstance(out.get(key), dict):
            out[key] = {name: convert(sub, strict=strict) for name, sub in out[key].items()}
    for key in _SUBSCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [convert(sub, strict=strict) for sub in out[key]]
    for key in (*_SUBSCHEMAS, "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = convert(out[key], strict=strict)
    _exclusive_bounds(out)
    integer_format_bounds(out)
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False) is True
    if out.pop("x-kubernetes-embedded-resource", False) is True and "properties" in out:
        for name in ("apiVersion", "kind", "metadata"):
            out["properties"].setdefault(name, {})
    if strict and not preserve and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.pop("x-kubernetes-int-or-string", False) is True:
        out.pop("type", None)
        out.pop("anyOf", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) is True:
        _allow_null(out)
    return out


def _exclusive_bounds(out: dict[str, Any]) -> None:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(exclusive)
        if isinstance(flag, bool):
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)


def _allow_null(out: dict[str, Any]) -> None:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
