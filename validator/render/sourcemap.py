"""Shared pieces of the way back from a rendered field to the source a reviewer edits.

:class:`SourceFiles` reads each source file once per render (text, parsed bodies,
a lazy :class:`~validator.load.positions.TextLocator`). :func:`translate_path`
carries a field path of the rendered object over to the same field in a source
document, following list items by their merge key (``name``, ``containerPort``...)
because a patch or a base may list them at other positions.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from validator.load.positions import TextLocator
from validator.model import FieldPath

#: Keys by which Kubernetes merges list items (strategic merge patch ``patchMergeKey``).
MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath", "ip", "port", "topologyKey")


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """One source file's text, its documents and a locator for it."""

    path: str
    """Repository-relative path."""
    bodies: tuple[object, ...]
    """Parsed YAML documents (``None`` for empty ones, nothing after a syntax error)."""
    locator: TextLocator
    """Positions within the file."""


def parse_text(text: str, path: str) -> SourceFile:
    """Parse ``text`` leniently (documents up to the first syntax error)."""
    bodies: list[object] = []
    try:
        for body in yaml.load_all(text, Loader=yaml.CSafeLoader):
            bodies.append(body)
    except yaml.YAMLError:
        pass  # the documents before the error still locate
    return SourceFile(path=path, bodies=tuple(bodies),
                      locator=TextLocator(text, path=path, json=path.endswith(".json")))


class SourceFiles:
    """Source files of one render, each read and parsed at most once (thread-safe)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._files: dict[str, SourceFile | None] = {}
        self._lock = threading.Lock()

    def get(self, path: str) -> SourceFile | None:
        """The file at repository-relative ``path``, or None when unreadable."""
        with self._lock:
            if path not in self._files:
                try:
                    text = (self._root / path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    self._files[path] = None
                else:
                    self._files[path] = parse_text(text, path)
            return self._files[path]


def find_document(source: SourceFile, kind: str, names: Sequence[str]) -> int | None:
    """Index of the document of ``kind`` whose name is one of (or within) ``names``."""
    candidates = [i for i, body in enumerate(source.bodies)
                  if isinstance(body, Mapping) and body.get("kind") == kind]
    for i in candidates:
        name = _name(source.bodies[i])
        if name and any(name == n for n in names):
            return i
    # a prefix or suffix was added: the longest source name within the rendered one
    contained = [(len(_name(source.bodies[i])), -i) for i in candidates
                 if _name(source.bodies[i]) and any(_name(source.bodies[i]) in n for n in names)]
    if contained:
        return -max(contained)[1]
    return candidates[0] if len(candidates) == 1 else None


def _name(body: object) -> str:
    meta = body.get("metadata") if isinstance(body, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""


def translate_path(rendered: object, source: object, field_path: FieldPath
                   ) -> tuple[FieldPath, bool]:
    """``field_path`` of ``rendered`` as a path in ``source``; and whether all of it exists."""
    out: list[str | int] = []
    for part in field_path:
        if isinstance(part, int):
            if not isinstance(rendered, list) or not isinstance(source, list):
                return tuple(out), False
            if not 0 <= part < len(rendered):
                return tuple(out), False
            position = _same_item(rendered[part], source, part)
            if position is None:
                return tuple(out), False
            rendered, source = rendered[part], source[position]
            out.append(position)
        else:
            if not isinstance(rendered, Mapping) or not isinstance(source, Mapping):
                return tuple(out), False
            if part not in source:
                return tuple(out), False
            rendered, source = rendered.get(part), source[part]
            out.append(part)
    return tuple(out), True


def _same_item(item: Any, items: list[Any], position: int) -> int | None:
    """Where ``item`` (a rendered list item) is in ``items``: by merge key, else by position."""
    if isinstance(item, Mapping):
        for key in MERGE_KEYS:
            if key in item:
                return next((i for i, other in enumerate(items)
                             if isinstance(other, Mapping) and other.get(key) == item[key]), None)
    return position if position < len(items) else None
