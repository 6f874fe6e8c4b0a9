"""Turning a schema with references into a standalone file, and the integer format bounds.

A standalone schema carries every definition it needs under its own ``$defs``
(only the transitively referenced ones), declares JSON Schema 2020-12, and has
descriptions stripped: they are the bulk of the Kubernetes schemas and never
change a verdict. Both engines read these files, so what is removed here is
removed for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

#: Keywords whose values are data, not schemas: never rewritten.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "example", "examples", "required"})
#: Keywords whose values map names to schemas.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions",
                            "dependentSchemas", "dependencies"})
#: The value range of the integer formats Kubernetes schemas declare (OpenAPI ``format``).
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
#: Keywords dropped from standalone schemas (no effect on validation).
_DROPPED_KEYWORDS = frozenset({"description", "x-kubernetes-group-version-kind", "$id"})


def rewrite(node: Any, ref: Callable[[str], str]) -> Any:
    """A copy of ``node`` without descriptions, with every ``$ref`` value passed through ``ref``."""
    if isinstance(node, list):
        return [rewrite(item, ref) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYWORDS:
            continue
        if key == "$ref" and isinstance(value, str):
            out[key] = ref(value)
        elif key in _DATA_KEYWORDS:
            out[key] = value
        elif key in _NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: rewrite(schema, ref) for name, schema in value.items()}
        else:
            out[key] = rewrite(value, ref)
    integer_format_bounds(out)
    return out


def integer_format_bounds(node: dict[str, Any]) -> None:
    """Add the range of an ``int32``/``int64`` ``format`` as ``minimum``/``maximum`` (in place).

    Formats are not asserted by either engine, so the range is spelled out as
    bounds both engines check alike (``replicas: 1e68`` is then "must be <= 2147483647").
    A tighter bound the schema already sets is kept.
    """
    fmt = node.get("format")
    limits = INTEGER_FORMATS.get(fmt) if isinstance(fmt, str) else None
    kind = node.get("type")
    if limits is None or not (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        return
    low, high = limits
    minimum, maximum = node.get("minimum"), node.get("maximum")
    if not isinstance(minimum, int | float) or isinstance(minimum, bool) or minimum < low:
        node["minimum"] = low
    if not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum > high:
        node["maximum"] = high


def bundle(schema: Mapping[str, Any], definitions: Mapping[str, Any], *,
           ref_prefixes: tuple[str, ...]) -> dict[str, Any]:
    """``schema`` with refs ``<prefix>NAME`` resolved into a local ``$defs`` (only those needed).

    ``definitions`` maps NAME to its schema; refs inside definitions use the same
    prefixes. A ref to a name that is not defined is left as ``#/$defs/NAME`` and so
    fails to compile in both engines, loudly.
    """
    needed: dict[str, Any] = {}
    pending: list[str] = []

    def local(target: str) -> str:
        for prefix in ref_prefixes:
            if target.startswith(prefix):
                name = target[len(prefix):]
                if name not in needed and name in definitions:
                    needed[name] = None
                    pending.append(name)
                return "#/$defs/" + name
        return target

    root = rewrite(schema, local)
    while pending:
        name = pending.pop()
        needed[name] = rewrite(definitions[name], local)
    root.pop("$schema", None)
    out: dict[str, Any] = {"$schema": DRAFT_2020_12, **root}
    if needed:
        out["$defs"] = {name: needed[name] for name in sorted(needed)}
    return out
