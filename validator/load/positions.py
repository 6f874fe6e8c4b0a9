"""From a field path to the line and column where it is written, computed only when asked.

:class:`TextLocator` keeps the text of one file or render output and composes it
into position-carrying YAML nodes (C parser) the first time any of its documents
needs a location; after that each lookup walks one path of the node tree.

The node trees are a cache, and a bounded one: they cost about 40 times the text
(some 38 kB per Deployment), so keeping them for every file with a finding took
gigabytes at 50,000 objects. Only the :data:`COMPOSED_LIMIT` most recently used
locators keep their nodes; an evicted one composes again if asked again. Findings
are located in document order, stage by stage, so that is rare.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import yaml

from validator.load.safety import gc_paused
from validator.model import FieldPath, Location

#: How many locators keep their composed nodes at once (least recently used are dropped).
COMPOSED_LIMIT = 64

_COMPOSED: OrderedDict[int, TextLocator] = OrderedDict()
_COMPOSED_LOCK = threading.Lock()


def _keep_composed(locator: TextLocator) -> None:
    """Mark ``locator`` as just used; drop the nodes of the least recently used beyond the limit."""
    with _COMPOSED_LOCK:
        _COMPOSED[id(locator)] = locator
        _COMPOSED.move_to_end(id(locator))
        evicted = [_COMPOSED.popitem(last=False)[1] for _ in range(len(_COMPOSED) - COMPOSED_LIMIT)]
    for old in evicted:  # outside the registry lock: each takes its own
        old.forget_nodes()


class TextLocator:
    """Locates fields in the YAML (or JSON) documents of one text."""

    def __init__(self, text: str, *, path: str = "", json: bool = False) -> None:
        self._text = text
        self._path = path
        self._json = json
        self._nodes: list[yaml.Node] = []
        self._parser: _PositionLoader | None = None
        self._finished = False
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Picklable (documents loaded in worker processes): positions are recomputed on demand."""
        return {"text": self._text, "path": self._path, "json": self._json}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(str(state["text"]), path=str(state["path"]), json=bool(state["json"]))  # type: ignore[misc]

    @property
    def path(self) -> str:
        """The repository-relative path that locations name."""
        return self._path

    def _document(self, index: int) -> yaml.Node | None:
        """The node of document ``index``, composing only as far as needed (once)."""
        with self._lock, gc_paused():
            while len(self._nodes) <= index and not self._finished:
                if self._parser is None:
                    self._parser = _PositionLoader(self._text)
                try:
                    if not self._parser.check_node():
                        self._finish()
                        break
                    node = self._parser.get_node()
                except (yaml.YAMLError, RecursionError):
                    self._finish()  # positions up to the error are still useful
                    break
                if node is not None:
                    self._nodes.append(node)
            node = self._nodes[index] if 0 <= index < len(self._nodes) else None
        _keep_composed(self)
        return node

    def forget_nodes(self) -> None:
        """Drop the composed nodes (they are composed again when next needed)."""
        with self._lock:
            self._finish()
            self._nodes = []
            self._finished = False

    def _finish(self) -> None:
        self._finished = True
        if self._parser is not None:
            self._parser.dispose()
            self._parser = None

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        """See :class:`validator.load.document.Locator`."""
        node = self._document(document_index)
        if node is None:
            return Location(path=self._path, line=1 if self._json else 0, field_path=field_path)
        mark = node.start_mark
        for part in field_path:
            found = _child(node, part)
            if found is None:
                break
            key_mark, node = found
            mark = key_mark
        return Location(path=self._path, line=mark.line + 1, column=mark.column + 1,
                        field_path=field_path)


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Mark, yaml.Node] | None:
    """The mark to point at for ``part`` and the node below it."""
    if isinstance(node, yaml.MappingNode):
        match = None
        for key_node, value_node in node.value:  # last one wins, as in the loaded dict
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                match = (key_node.start_mark, value_node)
        return match
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item.start_mark, item
    return None


class _PositionLoader(yaml.CSafeLoader):
    """Composes nodes for their marks only: no tag resolution is needed to find a line."""

    def resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        return "tag:yaml.org,2002:str"

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def duplicate_keys(text: str) -> list[tuple[str, int, int]]:
    """``(key, line, column)`` of every repeated mapping key in the first document of ``text``
    (JSON: its duplicate keys, which ``json`` reports without a position); empty if it cannot
    be composed."""
    loader = _PositionLoader(text)
    try:
        root = loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return []
    finally:
        loader.dispose()
    found: list[tuple[str, int, int]] = []
    pending: list[yaml.Node] = [root] if root is not None else []
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        mark = key_node.start_mark
                        found.append((key_node.value, mark.line + 1, mark.column + 1))
                    seen.add(key_node.value)
                pending.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return sorted(found, key=lambda entry: (entry[1], entry[2]))
