"""The PyYAML loader we parse with: C scanner and composer, our own fast construction.

Resolution is YAML 1.1 as Kubernetes' YAML-to-JSON conversion does it, minus
timestamps (dates stay strings) and memoised per scalar value; duplicate keys are
recorded for the loader to report.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml

from validator.load.construct import FastConstructor, NeedsFullConstructor
from validator.load.resolve import BOOL_VALUES, PLAIN, key_string, resolve_plain
from validator.load.safety import (
    Expansion,
    LimitExceededError,
    LoadLimits,
    document_too_big,
    number_too_long,
)

_STR, _MAP, _SEQ = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _retag(root: yaml.Node) -> None:
    """Give the placeholder-tagged scalars under ``root`` their real tags (for PyYAML's
    constructor); iterative, so no nesting libyaml accepts can exhaust the stack."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == PLAIN:
                node.tag = resolve_plain(node.value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)


class YamlLoader(yaml.CSafeLoader):
    """C parser and composer, safe constructor, duplicate-key detection."""

    bool_values = BOOL_VALUES  # go-yaml v2's booleans (``y``/``n`` too), for ``!!bool`` as well

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[object, yaml.Mark]] = []

    def resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        """A placeholder for plain scalars, resolved by the constructor from a per-value cache.

        The composer calls this for every node; keeping it trivial saves a third of the
        parse time on large repositories.
        """
        if kind is yaml.ScalarNode:
            return PLAIN if implicit[0] else _STR
        return _MAP if kind is yaml.MappingNode else _SEQ

    # No path resolvers are registered, so the composer's per-node bookkeeping for them
    # is skipped (it is a tenth of the load time on large repositories).
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An int, refusing one too long for Python to convert (with its line, not its digits)."""
        too_long = number_too_long(node.value, node.start_mark.line + 1)
        if too_long is not None:
            raise too_long
        value: int = super().construct_yaml_int(node)
        return value

    def construct_scalar_value(self, node: yaml.ScalarNode, tag: str) -> Any:
        """An int or float scalar, with every YAML 1.1 spelling PyYAML accepts."""
        if tag == "tag:yaml.org,2002:int":
            return self.construct_yaml_int(node)
        return self.construct_yaml_float(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)
        merged = len(node.value) - own
        mapping: dict[Any, Any] = {}
        own_keys: set[object] = set()  # keys merged in with << may be overridden freely
        for position, (key_node, value_node) in enumerate(node.value):
            key = key_string(self.construct_object(key_node, deep=deep))
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark)
            if position >= merged:
                if key in own_keys:
                    self.duplicates.append((key, key_node.start_mark))
                own_keys.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_set(self, node: yaml.MappingNode) -> Any:
        """``!!set {a, b}`` as the Go tools read it: a mapping of nulls (``{a: null, b: null}``)."""
        return self.construct_mapping(node)


YamlLoader.add_constructor("tag:yaml.org,2002:set", YamlLoader.construct_yaml_set)


@dataclass(frozen=True, kw_only=True)
class Constructed:
    """One document's value and what it expands to."""

    value: object
    """The document as plain Python data."""
    json_ready: bool
    """True when it is plain JSON data (fast path); False when unknown."""
    expansion: Expansion
    """Nodes and bytes once every alias is followed."""


def measure_nodes(node: yaml.Node, limits: LoadLimits) -> Expansion:
    """What the node graph expands to (a merged mapping counted whole at each ``<<``);
    :class:`LimitExceededError` past the per-document limits, before anything is built."""
    sizes: dict[int, tuple[int, int, int]] = {}
    open_nodes: set[int] = set()

    def walk(current: yaml.Node, depth: int) -> tuple[int, int, int]:
        if isinstance(current, yaml.ScalarNode):
            return 1, len(current.value) + 2, 0
        known = sizes.get(id(current))
        if known is None:
            if id(current) in open_nodes or depth > limits.max_depth:
                raise LimitExceededError(
                    f"nesting deeper than {limits.max_depth} levels, counting each merge key "
                    "('<<') as one (or a recursive alias)", line=current.start_mark.line + 1)
            open_nodes.add(id(current))
            children = ([n for pair in current.value for n in pair]
                        if isinstance(current, yaml.MappingNode) else list(current.value))
            nodes, size, height = 1, 2 + len(children), 0
            for child in children:
                child_nodes, child_size, child_height = walk(child, depth + 1)
                nodes, size = nodes + child_nodes, size + child_size
                height = max(height, child_height + 1)
                if nodes > limits.max_expanded_nodes or size > limits.max_expanded_bytes:
                    raise document_too_big(nodes, size, limits)
            open_nodes.discard(id(current))
            known = sizes[id(current)] = (nodes, size, height)
        if depth + known[2] > limits.max_depth:
            raise LimitExceededError(f"nesting deeper than {limits.max_depth} levels, counting "
                                     "each merge key ('<<') as one",
                                     line=current.start_mark.line + 1)
        return known

    nodes, size, _ = walk(node, 1)
    return Expansion(nodes=nodes, bytes=size)


def construct_document(loader: YamlLoader, node: yaml.Node | None, limits: LoadLimits) -> Constructed:
    """Build ``node``'s value; :class:`LimitExceededError` when it expands past the limits."""
    if node is None:
        return Constructed(value=None, json_ready=True, expansion=Expansion())
    fast = FastConstructor(loader.construct_scalar_value, limits)
    try:
        value = fast.construct(node)
    except NeedsFullConstructor:
        _retag(node)
        expansion = measure_nodes(node, limits)  # before merge keys copy anything
        try:
            value = loader.construct_document(node)
        except (ValueError, KeyError, TypeError) as exc:  # !!timestamp 2020-02-30 and the like
            raise yaml.constructor.ConstructorError(
                None, None, f"a value cannot be read: {exc}", node.start_mark) from exc
        return Constructed(value=value, json_ready=False, expansion=expansion)
    loader.duplicates.extend(fast.duplicates)
    return Constructed(value=value, json_ready=fast.json_ready,
                       expansion=Expansion(nodes=fast.nodes, bytes=fast.bytes))


def load_single_document(text: str, limits: LoadLimits) -> object:
    """The one YAML document of ``text`` (a configuration file), read as manifests are and held
    to the same limits; :class:`LimitExceededError` or :class:`yaml.YAMLError` if it cannot be."""
    loader = YamlLoader(text)
    try:
        return construct_document(loader, loader.get_single_node(), limits).value
    finally:
        loader.dispose()
