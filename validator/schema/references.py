"""The reference rule for schemas taken from checked content: nothing outside the document.

A CRD's ``openAPIV3Schema``, a JSON schema in a schema directory and a chart's
``values.schema.json`` come from the repository under check. Engines resolve
``$ref`` by reading files and fetching URLs, so such a schema may only point inside
itself: a ``$ref`` of ``#`` or ``#/json/pointer``. Everything else is refused, and
each refusal is reported on the line that holds it:

- ``$ref`` to a file, a URL, a relative name (``other.json``) or an anchor (``#name``);
- ``$dynamicRef`` and ``$recursiveRef`` (resolved through the dynamic scope, which
  can reach outside the document);
- a ``$schema`` that is not one of the published JSON Schema drafts (engines fetch
  unknown meta-schemas).

The search does not guess which values an engine reads as schemas: a string-valued
``$ref`` anywhere, even inside ``enum`` or ``default``, is judged.

``$id``, ``$anchor`` and the dynamic anchors are removed by :func:`without_identifiers`,
so a ``#/...`` pointer always means "in this document" and no ``$id`` can turn a
base URI into a place to fetch from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from validator.model import FieldPath

#: Keywords whose values are data, never schemas (``$id`` inside them is kept as it is).
DATA_KEYWORDS = frozenset({"enum", "const", "default", "example", "examples", "required"})
#: Keywords whose values map names to schemas (a property may be called ``$ref``).
NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions",
                           "dependentSchemas", "dependencies"})
#: The published meta-schemas: engines know them without fetching anything.
KNOWN_DRAFTS = frozenset({
    f"{scheme}://json-schema.org/{draft}{suffix}"
    for scheme in ("http", "https")
    for draft in ("draft-04/schema", "draft-06/schema", "draft-07/schema",
                  "draft/2019-09/schema", "draft/2020-12/schema")
    for suffix in ("", "#")
})
_IDENTIFIERS = frozenset({"$id", "id", "$anchor", "$dynamicAnchor", "$recursiveAnchor"})

#: The finding's rule id and the start of its message.
RULE = "schema/remote-reference"
MESSAGE = "remote schema reference refused"


@dataclass(frozen=True, kw_only=True)
class RefusedReference:
    """One reference a checked schema may not make."""

    path: FieldPath
    """Where the keyword is, relative to the schema's root."""
    keyword: str
    """``$ref``, ``$dynamicRef``, ``$recursiveRef`` or ``$schema``."""
    value: str
    """What it pointed at (shortened)."""

    @property
    def message(self) -> str:
        """``remote schema reference refused: $ref 'file:///x' (...)``."""
        return (f"{MESSAGE}: {self.keyword} {self.value!r} (a schema from the checked repository "
                "may only refer inside itself, '#/...')")


def is_local_ref(value: object) -> bool:
    """Whether a ``$ref`` value points inside its own document (``#`` or ``#/...``)."""
    return isinstance(value, str) and (value == "#" or value.startswith("#/"))


def refused_references(schema: Any, *, check_schema_keyword: bool = False
                       ) -> list[RefusedReference]:
    """Every reference in ``schema`` that leaves it (see the module docstring)."""
    return list(_walk(schema, (), check_schema_keyword))


def _walk(node: Any, path: FieldPath, check_schema: bool) -> Iterator[RefusedReference]:
    """Every keyword anywhere in ``node``, even inside ``enum`` or ``default``: a value an
    engine would not read as a schema is refused too, rather than guessing which ones it reads."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, (*path, index), check_schema)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = (*path, key)
        if isinstance(value, str) and _leaves(key, value, check_schema):
            yield RefusedReference(path=here, keyword=key, value=_short(value))
        else:
            yield from _walk(value, here, check_schema)


def _leaves(key: str, value: object, check_schema: bool) -> bool:
    match key:
        case "$ref":
            return not is_local_ref(value)
        case "$dynamicRef" | "$recursiveRef":
            return True  # resolved through the dynamic scope, which can leave the document
        case "$schema":
            return check_schema and value not in KNOWN_DRAFTS
        case _:
            return False


def without_identifiers(node: Any, *, keep_root_schema: bool = False) -> Any:
    """A copy of ``node`` without ``$id``/``$anchor``/dynamic anchors and nested ``$schema``."""
    return _strip(node, keep_root_schema, root=True)


def _strip(node: Any, keep_root_schema: bool, *, root: bool) -> Any:
    if isinstance(node, list):
        return [_strip(item, keep_root_schema, root=False) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            out[key] = value
        elif _identifier(key, value) or (key == "$schema" and not (root and keep_root_schema)):
            continue
        elif key in NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: _strip(sub, keep_root_schema, root=False) for name, sub in value.items()}
        else:
            out[key] = _strip(value, keep_root_schema, root=False)
    return out


def _identifier(key: str, value: object) -> bool:
    return key in _IDENTIFIERS and (key != "id" or isinstance(value, str))


def _short(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:200] + "..."
