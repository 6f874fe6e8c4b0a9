"""The way back from a field an agent object's Kustomize override set to the option's line.

The wrapper's transformers run after everything the folder's own build did (and
kustomize runs a kustomization's patches before its namespace, prefix, label,
annotation, replica and image transformers), so a field one of them set was last set
there: a namespace, a ``namePrefix`` on ``metadata.name``, an overridden image, a label
or annotation, a replica count, a field an inline patch of the object writes. Argo CD
and Flux name some options differently (``namespace`` / ``targetNamespace``,
``commonLabels`` / ``commonMetadata.labels``); :class:`OptionLines` finds whichever the
object wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.model import FieldPath, Location
from validator.render.kustomization import PatchRef
from validator.render.kustomize_patches import (
    get_field,
    in_json6902,
    in_strategic_merge,
    names_match,
    object_name,
    selects,
)
from validator.render.options import ValueSource
from validator.render.sourcemap import SourceFile, SourceFiles, parse_text

_BLOCK = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


class OptionLines:
    """Locations of the options inside the agent object (``ValueSource`` of the options)."""

    def __init__(self, root: Path, source: ValueSource | None, *, fallback: str) -> None:
        self.source = source
        self.file = SourceFiles(root).get(source.path) if source else None
        self._fallback = fallback
        try:
            self._text = (root / source.path).read_text(encoding="utf-8").splitlines() \
                if source else []
        except (OSError, UnicodeDecodeError):
            self._text = []

    def location(self, keys: Sequence[str], *rest: str | int) -> Location:
        """The line of the first of ``keys`` the object wrote (then ``rest`` below it)."""
        source, file = self.source, self.file
        if source is None or file is None or not 0 <= source.index < len(file.bodies):
            return Location(path=source.path if source else self._fallback)
        block = get_field(file.bodies[source.index], source.field)
        key = next((k for k in keys if isinstance(block, Mapping) and k in block), keys[0])
        return file.locator.locate(source.index, (*source.field, key, *rest))

    def patch_ref(self, i: int, text: str, target: Mapping[str, Any]) -> PatchRef | None:
        """Inline patch ``i`` as a :class:`PatchRef` whose lines are the object's lines."""
        source, file = self.source, self.file
        if source is None or file is None:
            return None
        line = self.location(("patches",), i, "patch").line
        block = 0 < line <= len(self._text) and bool(_BLOCK.search(self._text[line - 1]))
        return PatchRef(source=source.path, text=text if block else "", line_offset=line,
                        json6902=is_op_list(text), target=_selector(target))


@dataclass(frozen=True, kw_only=True)
class Labelled:
    """A label or annotation an override sets."""

    value: str
    location: Location
    beyond_metadata: bool
    """Whether it is also set in selectors and templates (``commonLabels``), or templates
    (``commonAnnotations``)."""


@dataclass(frozen=True, kw_only=True)
class OverrideLocator:
    """Where the fields an agent object's overrides set were written."""

    namespace: tuple[str, Location] | None = None
    name_prefix: tuple[str, Location] | None = None
    name_suffix: tuple[str, Location] | None = None
    images: tuple[tuple[frozenset[str], Location], ...] = ()
    """Image names an ``images`` entry matches or renames to, and its line."""
    labels: Mapping[str, Labelled] = field(default_factory=dict)
    annotations: Mapping[str, Labelled] = field(default_factory=dict)
    replicas: Mapping[str, Location] = field(default_factory=dict)
    patches: tuple[PatchRef, ...] = ()
    """The object's own patches, in the order kustomize applies them."""

    def locate(self, body: Mapping[str, Any], field_path: FieldPath, *, original: str = ""
               ) -> Location | None:
        """The option's location when an override set ``field_path`` of ``body``."""
        value = get_field(body, field_path)
        found = (self._metadata(field_path, value) or self._labelled(field_path, value)
                 or self._replicas(body, field_path, original) or self._image(field_path, value))
        if found is not None:
            return Location(path=found.path, line=found.line, column=found.column,
                            field_path=field_path)
        return self._patched(body, field_path, original)

    def _metadata(self, field_path: FieldPath, value: object) -> Location | None:
        if field_path == ("metadata", "namespace") and self.namespace \
                and value == self.namespace[0]:
            return self.namespace[1]
        if field_path == ("metadata", "name") and isinstance(value, str):
            if self.name_prefix and value.startswith(self.name_prefix[0]):
                return self.name_prefix[1]
            if self.name_suffix and value.endswith(self.name_suffix[0]):
                return self.name_suffix[1]
        return None

    def _labelled(self, field_path: FieldPath, value: object) -> Location | None:
        if len(field_path) < 2 or not isinstance(field_path[-1], str):
            return None
        key, parent = field_path[-1], field_path[:-1]
        for table, name in ((self.labels, "labels"), (self.annotations, "annotations")):
            entry = table.get(key)
            if entry is None or entry.value != value:
                continue
            if parent == ("metadata", name):
                return entry.location
            if entry.beyond_metadata and parent[-1] in (name, "matchLabels", "selector"):
                return entry.location
        return None

    def _replicas(self, body: Mapping[str, Any], field_path: FieldPath, original: str
                  ) -> Location | None:
        if field_path != ("spec", "replicas"):
            return None
        rendered = object_name(body)
        return next((where for name, where in self.replicas.items()
                     if names_match(name, rendered, original)), None)

    def _image(self, field_path: FieldPath, value: object) -> Location | None:
        if not field_path or field_path[-1] != "image" or not isinstance(value, str):
            return None
        repository = image_repository(value)
        return next((where for names, where in reversed(self.images) if repository in names),
                    None)

    def _patched(self, body: Mapping[str, Any], field_path: FieldPath, original: str
                 ) -> Location | None:
        for patch in reversed(self.patches):
            if not patch.text or not selects(patch.target, body, original=original):
                continue
            parsed: SourceFile = parse_text(patch.text, patch.source)
            found = (in_json6902(parsed, patch, field_path) if patch.json6902 else
                     in_strategic_merge(parsed, patch, body, field_path, original=original))
            if found is not None:
                return found
        return None


def image_repository(image: str) -> str:
    """``nginx`` for ``nginx:1.27``, ``nginx@sha256:...`` and ``nginx``."""
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def is_op_list(text: str) -> bool:
    """Whether a patch text is a JSON 6902 operation list."""
    stripped = text.lstrip()
    return stripped.startswith(("[", "- op:", "- {", "- path:"))


def _selector(target: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in target.items() if isinstance(v, str)} \
        if isinstance(target, Mapping) else {}
