"""Reading kustomize patches for the source map: what a patch sets, and whom it selects.

A strategic merge patch sets the fields it writes on the object it names; a JSON 6902
patch sets the fields under each operation's path. :func:`with_value` and
:func:`json_pointer` let the locator give back the names that a later JSON 6902 patch
replaced, so earlier files still match the renamed list items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from validator.model import FieldPath, Location
from validator.render.kustomization import PatchRef
from validator.render.sourcemap import SourceFile, translate_path


def in_strategic_merge(parsed: SourceFile, patch: PatchRef, body: Mapping[str, Any],
                       field_path: FieldPath, *, original: str = "") -> Location | None:
    """Where a strategic merge patch writes ``field_path`` of ``body`` (None when it does not)."""
    for index, patch_body in enumerate(parsed.bodies):
        if not isinstance(patch_body, Mapping):
            continue
        if not patch.target and (patch_body.get("kind") != body.get("kind")
                                 or not names_match(object_name(patch_body), object_name(body),
                                                    original)):
            continue
        path, complete = translate_path(body, patch_body, field_path)
        if complete:
            return _shift(parsed.locator.locate(index, path), patch, field_path)
    return None


def in_json6902(parsed: SourceFile, patch: PatchRef, field_path: FieldPath) -> Location | None:
    """Where the last JSON 6902 operation writing ``field_path`` (or a parent of it) is."""
    ops = parsed.bodies[0] if parsed.bodies else None
    if not isinstance(ops, list):
        return None
    wanted = [str(part) for part in field_path]
    for position in reversed(range(len(ops))):
        op = ops[position]
        if not isinstance(op, Mapping) or op.get("op") not in ("add", "replace", "copy", "move"):
            continue
        pointer = [p.replace("~1", "/").replace("~0", "~")
                   for p in str(op.get("path", "")).split("/")[1:]]
        if pointer and wanted[: len(pointer)] == pointer:
            rest = tuple(field_path[len(pointer):])
            location = parsed.locator.locate(0, (position, "value", *rest))
            return _shift(location, patch, field_path)
    return None


def _shift(location: Location, patch: PatchRef, field_path: FieldPath) -> Location:
    return Location(path=patch.source, line=location.line + patch.line_offset,
                    column=location.column, field_path=field_path)


def selects(selector: Mapping[str, str], body: Mapping[str, Any], *, original: str = "") -> bool:
    """Whether a patch ``target`` selector may match (kind and name; an empty selector does).

    Selector names are regular expressions in kustomize; ours come from untrusted
    repositories, so they are never compiled: a literal is compared, a pattern is
    assumed to match (the patch must still write the whole field to be blamed).
    """
    kind = selector.get("kind")
    if kind and re.escape(kind) == kind and kind != str(body.get("kind", "")):
        return False
    name = selector.get("name")
    return not (name and re.escape(name) == name
                and not names_match(name, object_name(body), original))


def names_match(wanted: str, rendered: str, original: str) -> bool:
    """Whether a patch naming ``wanted`` can have matched an object now named ``rendered``
    that its source file names ``original`` (empty when unknown): kustomize matches the
    name the object had at the patch's level, which lies between the two (prefixes and
    suffixes are added on the way), so ``original`` is within ``wanted``, within ``rendered``."""
    return wanted in rendered and (not original or original in wanted)


def get_field(body: object, field_path: FieldPath) -> object:
    """The value at ``field_path`` in ``body`` (None when absent)."""
    for part in field_path:
        if isinstance(part, int) and isinstance(body, list) and 0 <= part < len(body):
            body = body[part]
        elif isinstance(part, str) and isinstance(body, Mapping):
            body = body.get(part)
        else:
            return None
    return body


def json_pointer(op: Mapping[str, Any]) -> FieldPath:
    """The ``path`` of a JSON 6902 operation as a field path (list indexes as ints)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in str(op.get("path", "")).split("/")[1:]]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def with_value(node: Any, path: FieldPath, value: object) -> Any:
    """``node`` with ``value`` at ``path``, copying only the containers along the path."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, str) and isinstance(node, Mapping):
        return {**node, head: with_value(node.get(head), rest, value)}
    if isinstance(head, int) and isinstance(node, list) and 0 <= head < len(node):
        return [*node[:head], with_value(node[head], rest, value), *node[head + 1:]]
    return node


def object_name(body: Mapping[str, Any]) -> str:
    """``metadata.name``, or empty."""
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""
