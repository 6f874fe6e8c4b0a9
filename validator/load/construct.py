"""Turning composed YAML nodes into plain Python values, fast, with the checks we need.

PyYAML's ``SafeConstructor`` is general (generators for recursive structures, a
tag lookup per node) and dominates load time on large repositories. Manifests use
a handful of core tags, so :func:`construct` converts those directly, recording
duplicate keys and enforcing the depth limit on the way; any document with a
merge key or another tag goes through ``SafeConstructor`` unchanged, so the result
is always what PyYAML's safe loader would build. On the way it counts what the
document expands to (nodes and JSON bytes, an alias counted at every use) and
stops at the per-document budget, so measuring costs no second walk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import yaml

from validator.load.resolve import BOOL_VALUES, PLAIN, RESOLVED_TAGS, key_string, resolve_plain
from validator.load.safety import LimitExceededError, LoadLimits, document_too_big

__all__ = ["PLAIN", "FastConstructor", "NeedsFullConstructor", "resolve_plain"]

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"

_BOOLS = BOOL_VALUES


class NeedsFullConstructor(Exception):  # noqa: N818 - a signal, not an error
    """The document uses a feature only ``SafeConstructor`` handles (merge keys, other tags)."""


class FastConstructor:
    """Builds one document from its node graph; aliases share one value, as in PyYAML."""

    def __init__(self, scalar: Callable[[yaml.ScalarNode, str], Any], limits: LoadLimits) -> None:
        self._scalar = scalar
        self._limits = limits
        self._max_depth = limits.max_depth
        self._built: dict[int, Any] = {}
        self._sizes: dict[int, tuple[int, int]] = {}
        self.nodes = 0
        """Nodes of the document so far, every alias counted at each use."""
        self.bytes = 0
        """Estimated JSON bytes of the document so far, the same way."""
        self._open: set[int] = set()
        self.duplicates: list[tuple[object, yaml.Mark]] = []
        self.json_ready = True
        """Stays True while every key is a string and every number finite (JSON can hold it)."""

    def construct(self, node: yaml.Node, depth: int = 1) -> Any:
        if node.__class__ is yaml.ScalarNode:
            self.nodes += 1
            self.bytes += len(node.value) + 2
            return self._construct_scalar(node)
        key = id(node)
        if key in self._built:  # an alias: shared, but counted as often as it is used
            nodes, size = self._sizes[key]
            self._spend(nodes, size)
            return self._built[key]
        if key in self._open or depth > self._max_depth:
            raise LimitExceededError(
                f"nesting deeper than {self._max_depth} levels (or a recursive alias)",
                line=node.start_mark.line + 1)
        self._open.add(key)
        nodes_before, bytes_before = self.nodes, self.bytes
        self.nodes += 1
        self.bytes += 2 + len(node.value)  # brackets and separators
        if isinstance(node, yaml.SequenceNode) and node.tag == SEQ:
            value: Any = [self.construct(item, depth + 1) for item in node.value]
        elif isinstance(node, yaml.MappingNode) and node.tag == MAP:
            value = self._construct_mapping(node, depth)
        else:
            raise NeedsFullConstructor(node.tag)
        self._spend(0, 0)  # checked once the collection is counted (children checked their own)
        self._open.discard(key)
        self._built[key] = value
        self._sizes[key] = (self.nodes - nodes_before, self.bytes - bytes_before)
        return value

    def _spend(self, nodes: int, size: int) -> None:
        self.nodes += nodes
        self.bytes += size
        if self.nodes > self._limits.max_expanded_nodes or self.bytes > self._limits.max_expanded_bytes:
            raise document_too_big(self.nodes, self.bytes, self._limits)

    def _construct_scalar(self, node: yaml.ScalarNode) -> Any:
        return self._scalar_value(node, _tag(node))

    def _scalar_value(self, node: yaml.ScalarNode, tag: str) -> Any:
        try:
            return self._typed_value(node, tag)
        except (ValueError, KeyError) as exc:  # !!int abc, !!bool maybe
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid {tag.rsplit(':', 1)[-1]}",
                node.start_mark) from exc

    def _typed_value(self, node: yaml.ScalarNode, tag: str) -> Any:
        if tag == STR:
            return node.value
        if tag == NULL:
            return None
        if tag == BOOL:
            return _BOOLS[node.value.lower()]
        if tag == INT:
            return self._scalar(node, tag)
        if tag == FLOAT:
            number = self._scalar(node, tag)
            if not math.isfinite(number):
                self.json_ready = False
            return number
        raise NeedsFullConstructor(tag)

    def _construct_mapping(self, node: yaml.MappingNode, depth: int) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode:
                raise NeedsFullConstructor("complex key")
            # plain string keys and values are most of a manifest: no call for them
            tag = key_node.tag
            if tag == PLAIN:
                tag = RESOLVED_TAGS.get(key_node.value) or resolve_plain(key_node.value)
            key = key_node.value if tag == STR else key_string(self._scalar_value(key_node, tag))
            if not isinstance(key, str):  # a merge key (<<) raised above
                self.json_ready = False
            if key in mapping:
                self.duplicates.append((key, key_node.start_mark))
            self.nodes += 1
            self.bytes += len(key_node.value) + 4
            if value_node.__class__ is yaml.ScalarNode:
                self.nodes += 1
                self.bytes += len(value_node.value) + 2
                tag = value_node.tag
                if tag == PLAIN:
                    tag = RESOLVED_TAGS.get(value_node.value) or resolve_plain(value_node.value)
                mapping[key] = value_node.value if tag == STR else self._scalar_value(value_node, tag)
            else:
                mapping[key] = self.construct(value_node, depth + 1)
        return mapping


def _tag(node: yaml.ScalarNode) -> str:
    tag: str = node.tag
    return (RESOLVED_TAGS.get(node.value) or resolve_plain(node.value)) if tag == PLAIN else tag


