"""The way back from a field of a ``kustomize build`` object to the file that set it.

Each rendered object carries ``config.kubernetes.io/origin`` (added for the build
only): the resource file it came from, or the kustomization whose generator made
it. A field is located, in this order, in: the latest patch that targets the
object and sets the field (strategic merge or JSON 6902, file or inline); the
``images:`` entry that rewrote an image, or the ``namespace:`` that set the
namespace; the origin file's document for the object; finally the kustomization.
An agent object's overrides (:mod:`kustomize_overrides`) come before all of these: they
are applied last. Only the kustomizations whose build reads the object's origin file (its own folder
and its bases, not a sibling base's) are considered: their patches and transformers
are the only ones that saw the object. List items a later JSON 6902 patch renamed
are matched under their earlier name when an earlier patch or the origin file is read.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from validator.model import FieldPath, Location
from validator.render.kustomization import Kustomization, PatchRef
from validator.render.kustomize_overrides import OverrideLocator
from validator.render.kustomize_patches import (
    get_field,
    in_json6902,
    in_strategic_merge,
    json_pointer,
    selects,
    with_value,
)
from validator.render.sourcemap import (
    MERGE_KEYS,
    SourceFile,
    SourceFiles,
    find_document,
    parse_text,
    translate_path,
)


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where kustomize says an object came from."""

    path: str
    """Repository-relative resource file, or the kustomization that generated the object."""
    generator: str = ""
    """The generator kind (``ConfigMapGenerator``) when the object was generated."""


class KustomizeLocator:
    """Locates fields of one kustomize render output (see the module docstring)."""

    def __init__(self, *, sources: SourceFiles, kustomizations: Sequence[Kustomization],
                 overrides: OverrideLocator | None = None, head: str = "") -> None:
        self._sources = sources
        self._order = tuple(kustomizations)  # the latest-applied first
        self._head = head or kustomizations[0].path
        self._overrides = overrides  # an agent object's, applied after all of the above
        self._objects: dict[int, tuple[Origin, Mapping[str, Any]]] = {}
        self._patches: dict[int, SourceFile] = {}
        self._lock = threading.Lock()
        self._subtrees = _subtrees(self._order)

    def register(self, index: int, origin: Origin, body: Mapping[str, Any]) -> None:
        """Record where document ``index`` of the output came from."""
        self._objects[index] = (origin, body)

    def source_path(self, index: int) -> str:
        """The file a reviewer edits for document ``index``."""
        entry = self._objects.get(index)
        return entry[0].path if entry else self._head

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        """See :class:`validator.load.document.Locator`."""
        entry = self._objects.get(document_index)
        if entry is None:
            return Location(path=self._head, field_path=field_path)
        origin, body = entry
        applied = [k for k in self._order if origin.path in self._subtrees[k.path]]
        original = self._original_name(origin, body)
        written = self._as_written(origin, body, applied, original)
        if field_path and not (_is_node(get_field(body, field_path))
                               and self._defines(origin, written, field_path)):
            found = ((self._overrides.locate(body, field_path, original=original)
                      if self._overrides else None)
                     or self._in_patches(origin, body, field_path, applied, original)
                     or _in_transformers(body, field_path, applied))
            if found is not None:
                return found
        if origin.generator:
            return self._in_generator(origin, body, field_path)
        return self._in_origin(origin, written, field_path)

    def _as_written(self, origin: Origin, body: Mapping[str, Any],
                    applied: Sequence[Kustomization], original: str) -> Mapping[str, Any]:
        """``body`` with the list items that JSON 6902 patches renamed given back their
        names from the origin file, so items still match what earlier files wrote."""
        for kustomization in applied:
            for patch in reversed(kustomization.patches):
                if patch.text and patch.json6902 and selects(patch.target, body,
                                                             original=original):
                    body = self._undo_renames(self._parsed(patch), origin, body)
        return body

    def _original_name(self, origin: Origin, body: Mapping[str, Any]) -> str:
        """The object's name in its origin file (empty when generated or not found)."""
        source = self._sources.get(origin.path) if not origin.generator else None
        index = find_document(source, str(body.get("kind")), [_name(body)]) if source else None
        document = source.bodies[index] if source is not None and index is not None else None
        return _name(document) if isinstance(document, Mapping) else ""

    def _undo_renames(self, parsed: SourceFile, origin: Origin, body: Mapping[str, Any]
                      ) -> Mapping[str, Any]:
        ops = parsed.bodies[0] if parsed.bodies else None
        source = self._sources.get(origin.path) if not origin.generator else None
        index = find_document(source, str(body.get("kind")), [_name(body)]) if source else None
        if not isinstance(ops, list) or source is None or index is None:
            return body
        for op in reversed(ops):
            pointer = json_pointer(op) if isinstance(op, Mapping) and op.get("op") in (
                "add", "replace") else ()
            if len(pointer) < 2 or not isinstance(pointer[-2], int) \
                    or pointer[-1] not in MERGE_KEYS:
                continue
            item = get_field(source.bodies[index], pointer[:-1])
            old = item.get(pointer[-1]) if isinstance(item, Mapping) else None
            if old is not None and get_field(body, pointer) == op.get("value"):
                body = with_value(body, pointer, old)
        return body

    def _defines(self, origin: Origin, body: Mapping[str, Any], field_path: FieldPath) -> bool:
        """Whether the origin file writes all of ``field_path`` (then it defines that node).

        A mapping or list is located where it is defined, even when patches add to it;
        a scalar is located where it was last written.
        """
        source = self._sources.get(origin.path) if not origin.generator else None
        index = find_document(source, str(body.get("kind")), [_name(body)]) if source else None
        if source is None or index is None:
            return False
        return translate_path(body, source.bodies[index], field_path)[1]

    def _in_origin(self, origin: Origin, body: Mapping[str, Any], field_path: FieldPath
                   ) -> Location:
        source = self._sources.get(origin.path)
        names = [_name(body)]
        index = find_document(source, str(body.get("kind")), names) if source else None
        if source is None or index is None:
            return Location(path=origin.path, line=1, field_path=field_path)
        path, _ = translate_path(body, source.bodies[index], field_path)
        return source.locator.locate(index, path)

    def _in_generator(self, origin: Origin, body: Mapping[str, Any], field_path: FieldPath
                      ) -> Location:
        name = _name(body)
        for kustomization in self._order:
            if kustomization.path != origin.path:
                continue
            lines = [line for gen, line in kustomization.generators if name.startswith(gen)]
            if lines:
                return Location(path=origin.path, line=lines[0], field_path=field_path)
        return Location(path=origin.path, line=1, field_path=field_path)

    def _in_patches(self, origin: Origin, body: Mapping[str, Any], field_path: FieldPath,
                    applied: Sequence[Kustomization], original: str) -> Location | None:
        """The latest patch that sets the field; an earlier strategic merge patch sees the
        list items under the names they had before later JSON 6902 patches renamed them."""
        seen_by_patch = body
        for kustomization in applied:
            for patch in reversed(kustomization.patches):
                if not patch.text or not selects(patch.target, body, original=original):
                    continue
                parsed = self._parsed(patch)
                if patch.json6902:
                    found = in_json6902(parsed, patch, field_path)
                    seen_by_patch = self._undo_renames(parsed, origin, seen_by_patch)
                else:
                    found = in_strategic_merge(parsed, patch, seen_by_patch, field_path,
                                               original=original)
                if found is not None:
                    return found
        return None

    def _parsed(self, patch: PatchRef) -> SourceFile:
        with self._lock:
            if id(patch) not in self._patches:
                self._patches[id(patch)] = parse_text(patch.text, patch.source)
            return self._patches[id(patch)]


def _in_transformers(body: Mapping[str, Any], field_path: FieldPath,
                     applied: Sequence[Kustomization]) -> Location | None:
    """The ``namespace:`` or ``images:`` entry that set the field, among the kustomizations
    whose transformers saw the object (``applied``, the latest first)."""
    if field_path == ("metadata", "namespace"):
        for kustomization in applied:
            if kustomization.namespace_line:
                return Location(path=kustomization.path, line=kustomization.namespace_line)
    if field_path and field_path[-1] == "image":
        image = get_field(body, field_path)
        if isinstance(image, str):
            repository = _image_name(image)
            for kustomization in applied:
                for name, line in kustomization.images:
                    if name == repository:
                        return Location(path=kustomization.path, line=line)
    return None


def _subtrees(order: Sequence[Kustomization]) -> dict[str, frozenset[str]]:
    """Kustomization path -> every file its build reads (its own and its bases'): its
    transformers and patches only ever see objects that come from these files."""
    by_dir = {k.directory: k for k in order}
    memo: dict[str, frozenset[str]] = {}

    def files(kustomization: Kustomization, visiting: frozenset[str]) -> frozenset[str]:
        if kustomization.path not in memo:
            found = {kustomization.path, *kustomization.files}
            for root in kustomization.roots:
                base = by_dir.get(root)
                if base is not None and base.path not in visiting:
                    found |= files(base, visiting | {base.path})
            memo[kustomization.path] = frozenset(found)
        return memo[kustomization.path]

    for kustomization in reversed(order):  # bases first: each call finds its bases memoised
        files(kustomization, frozenset({kustomization.path}))
    return {k.path: files(k, frozenset({k.path})) for k in order}


def _is_node(value: object) -> bool:
    return isinstance(value, (Mapping, list))


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def _name(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else ""
