"""Agent objects and the objects they refer to, found among the repository's manifest files.

Files are read with a size bound and parsed only when they hold a byte pattern of what
is looked for (an agent's API group, a ``kind: ConfigMap``); one that cannot be parsed
is left to the load stage, which reports it. Lines come from a :class:`TextLocator`
composed only when a line is asked for.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from validator.agents.model import AgentObject
from validator.load.document import Locator
from validator.load.positions import TextLocator

_MAX_BYTES = 1024 * 1024
#: API groups whose objects an agent reads (bytes a file holds when it may hold one).
AGENT_GROUPS = ("argoproj.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io",
                "source.toolkit.fluxcd.io")
AGENT_MARKERS = tuple(f"{group}/".encode() for group in AGENT_GROUPS)
#: Kinds readers look up by name through :class:`ObjectIndex` besides the agents' own
#: (Flux ``substituteFrom`` / ``valuesFrom``): their data is copied into the plan.
INDEXED_KINDS = ("ConfigMap", "Secret")


def kind_markers(kind: str) -> tuple[bytes, bytes]:
    """Bytes a file holds when it may hold an object of ``kind`` (YAML or JSON spelling);
    :class:`ObjectIndex` reads no other file, so a change to no other can change the plan."""
    return f"kind: {kind}".encode(), f'"kind": "{kind}"'.encode()


#: The markers of every :data:`INDEXED_KINDS` kind.
INDEX_MARKERS = tuple(marker for kind in INDEXED_KINDS for marker in kind_markers(kind))


@dataclass(frozen=True, kw_only=True)
class FoundObject:
    """One object of a repository file, with where it is."""

    body: Mapping[str, Any]
    field_prefix: tuple[str | int, ...] = ()
    """Where the object's fields are written in the document: ``()`` for an object of its
    own; ``("spec", "template")`` for an Application an ApplicationSet generated (its
    fields are located in the ApplicationSet's template)."""
    path: str
    """Repository-relative file."""
    index: int
    """Document index in the file."""
    locator: Locator
    """Lines of the file's documents (for an object rendered out of a target: the render's
    source map)."""

    @property
    def group(self) -> str:
        return str(self.body.get("apiVersion", "")).rpartition("/")[0]

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        return _meta(self.body, "name")

    @property
    def namespace(self) -> str:
        return _meta(self.body, "namespace")

    def line(self, field: tuple[str | int, ...] = ()) -> int:
        """Line of ``field`` (the object's first line for ``()``), or of its nearest parent."""
        return self.locator.locate(self.index, (*self.field_prefix, *field)).line

    @functools.cached_property
    def first_line(self) -> int:
        """The object's first line (asked for by every reader and the plan: located once)."""
        return self.line()

    def agent_object(self, *, kind: str = "", generated_by: str = "", parent: str = "") -> AgentObject:
        return AgentObject(kind=kind or self.kind, namespace=self.namespace, name=self.name,
                           path=self.path, line=self.first_line, index=self.index,
                           generated_by=generated_by, parent=parent)


def _meta(body: Mapping[str, Any], key: str) -> str:
    meta = body.get("metadata")
    value = meta.get(key) if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) else ""


def objects_in(root: Path, paths: Iterable[str], markers: tuple[bytes, ...],
               parsed: dict[str, list[FoundObject]] | None = None) -> Iterator[FoundObject]:
    """Every mapping document of ``paths`` (repository-relative) in files holding one of
    ``markers``, in path order. ``parsed`` keeps each file's objects across calls (one
    planning parses a file once, whichever kinds are looked for in it)."""
    base = str(root)
    for path in sorted(paths):
        try:  # plain strings: thousands of files, and pathlib costs more than the read
            with open(os.path.join(base, path), "rb") as handle:  # noqa: PTH118, PTH123
                data = handle.read(_MAX_BYTES + 1)
        except OSError:
            continue
        if len(data) > _MAX_BYTES or not any(marker in data for marker in markers):
            continue
        if parsed is not None and path in parsed:
            yield from parsed[path]
            continue
        found = _parse(path, data)
        if parsed is not None:
            parsed[path] = found
        yield from found


def _parse(path: str, data: bytes) -> list[FoundObject]:
    try:
        text = data.decode("utf-8")
        bodies = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError, RecursionError):
        return []
    locator = TextLocator(text, path=path)
    return [FoundObject(body=body, path=path, index=index, locator=locator)
            for index, body in enumerate(bodies) if isinstance(body, Mapping)]


class ObjectIndex:
    """Objects of given kinds among the repository's manifests, by kind, namespace and name;
    files are read the first time a kind is asked for."""

    def __init__(self, root: Path, manifests: Iterable[str]) -> None:
        self._root = root
        self._manifests = tuple(manifests)
        self._by_kind: dict[str, dict[tuple[str, str], FoundObject]] = {}
        self.parsed: dict[str, list[FoundObject]] = {}
        """Each file read so far, parsed (shared with :func:`objects_in` callers)."""

    def get(self, kind: str, namespace: str, name: str) -> FoundObject | None:
        """The object of ``kind`` named ``namespace/name`` (the first in path order)."""
        return self._of(kind).get((namespace, name))

    def of_kind(self, kind: str) -> list[FoundObject]:
        return list(self._of(kind).values())

    def _of(self, kind: str) -> dict[tuple[str, str], FoundObject]:
        if kind not in self._by_kind:
            found: dict[tuple[str, str], FoundObject] = {}
            for item in objects_in(self._root, self._manifests, kind_markers(kind), self.parsed):
                if item.kind == kind:
                    found.setdefault((item.namespace, item.name), item)
            self._by_kind[kind] = found
        return self._by_kind[kind]
