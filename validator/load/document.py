"""A loaded Kubernetes object and the way back from any of its fields to a file, line and column.

A :class:`Document` is what every check sees: the object's body exactly as the
GitOps agent would apply it, plus a :class:`Locator` that turns a field path into
the :class:`~validator.model.Location` a reviewer would edit. Locating is lazy:
positions are computed only for objects that have findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from validator.fingerprint import field_key
from validator.model import FieldPath, Location, ResourceRef


class Locator(Protocol):
    """Maps a field of one document of one source to a file position."""

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        """The location of ``field_path`` in document ``document_index`` (0-based).

        A path that does not exist resolves to its deepest existing ancestor
        (finally the object's first line), with ``field_path`` kept as asked.
        """
        ...


@dataclass(frozen=True, kw_only=True)
class Document:
    """One Kubernetes object (or object-like YAML document) to check."""

    body: Mapping[str, Any]
    """The object as parsed: what schemas and policies see."""
    path: str
    """Repository-relative POSIX path of the file it came from (or was rendered from)."""
    index: int
    """0-based position of the YAML document within its file or render output."""
    locator: Locator
    """Resolves field paths to file positions."""
    base_path: FieldPath = ()
    """Path of this object inside the YAML document: ``("items", 3)`` for a ``kind: List`` item."""
    target: str = ""
    """The render target it came from (empty for plain files)."""
    json_ready: bool = False
    """True when loading proved the body is plain JSON data (string keys, finite numbers,
    no binary), so consumers can skip converting it; False when unknown."""

    @property
    def kind(self) -> str:
        """``kind``, or empty when missing or not a string."""
        value = self.body.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def api_version(self) -> str:
        """``apiVersion``, or empty when missing or not a string."""
        value = self.body.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def resource(self) -> ResourceRef:
        """The object's identity (kind, apiVersion, namespace, name)."""
        meta = self.body.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        name = meta.get("name") or meta.get("generateName") or ""
        namespace = meta.get("namespace") or ""
        return ResourceRef(  # a non-string name is a schema finding, not part of the identity
            api_version=self.api_version, kind=self.kind,
            namespace=namespace if isinstance(namespace, str) else "",
            name=name if isinstance(name, str) else "",
        )

    def locate(self, field_path: FieldPath = ()) -> Location:
        """Where ``field_path`` (relative to this object) is written."""
        found = self.locator.locate(self.index, self.base_path + tuple(field_path))
        return replace(found, field_path=tuple(field_path),
                       field_key=field_key(self.body, field_path) if field_path else "")
