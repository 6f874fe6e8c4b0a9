"""Limits that keep hostile YAML from costing unbounded time or memory.

libyaml itself refuses nesting deeper than 1000 levels while scanning. On top of
that, :func:`check_limits` bounds the depth of each constructed document and the
number of nodes it expands to: PyYAML shares an aliased node between its uses, so
a billion-laughs document is small in memory until something walks it; this
walk counts with memoisation by identity and stops as soon as the budget is
exceeded, before any validator or ``json.dumps`` expands it.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class LoadLimits:
    """Bounds on what one file may cost."""

    max_file_bytes: int = 16 * 1024 * 1024
    """Largest file read, in bytes."""
    max_depth: int = 100
    """Deepest nesting of mappings and sequences in one document."""
    max_expanded_nodes: int = 1_000_000
    """Most nodes one document may expand to once aliases are followed."""


_PAUSES = 0
_PAUSES_LOCK = threading.Lock()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Parsing allocates hundreds of thousands of containers; with thousands of
    documents already alive, each automatic collection rescans them all and
    parsing gets several times slower. Parsed YAML holds no reference cycles
    (a recursive alias is refused by the depth limit), so nothing is lost by
    collecting later. Pauses nest and may overlap across threads: the collector
    runs again when the last one ends (if it was enabled when the first began).
    """
    global _PAUSES, _RESUME  # noqa: PLW0603 - one process-wide collector, one counter
    with _PAUSES_LOCK:
        if _PAUSES == 0:
            _RESUME = gc.isenabled()
            gc.disable()
        _PAUSES += 1
    try:
        yield
    finally:
        with _PAUSES_LOCK:
            _PAUSES -= 1
            if _PAUSES == 0 and _RESUME:
                gc.enable()


_RESUME = True


class LimitExceededError(Exception):
    """A document is too deep or expands to too many nodes."""


def needs_limit_walk(text: str, limits: LoadLimits) -> bool:
    """Whether documents of ``text`` could break a limit at all.

    Without aliases a document expands to no more nodes than its text has
    characters, and without deep indentation or many flow brackets it cannot
    nest deeper than ``max_depth``; such text needs no walk (the common case).
    """
    if "*" in text and "&" in text:
        return True
    if text.count("[") + text.count("{") >= limits.max_depth // 2:
        return True
    if len(text) > limits.max_expanded_nodes:
        return True
    deep_indent = re.compile(rf"^[ -]{{{limits.max_depth // 2},}}", re.MULTILINE)
    return deep_indent.search(text) is not None


def check_limits(document: object, limits: LoadLimits) -> None:
    """Raise :class:`LimitExceededError` if ``document`` is too deep or expands too far."""
    _measure(document, 1, {}, limits)


def _measure(node: object, depth: int, memo: dict[int, tuple[int, int]],
             limits: LoadLimits) -> tuple[int, int]:
    """(expanded size, height) of ``node``, memoised by identity for shared alias targets."""
    if isinstance(node, dict):
        children: list[object] = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return 1, 0
    known = memo.get(id(node))
    if known is not None:
        size, height = known
    else:
        if depth > limits.max_depth:
            raise LimitExceededError(
                f"nesting deeper than {limits.max_depth} levels (or a recursive alias)")
        size, height = 1, 0
        for child in children:
            child_size, child_height = _measure(child, depth + 1, memo, limits)
            size += child_size
            height = max(height, child_height + 1)
            if size > limits.max_expanded_nodes:
                raise LimitExceededError(
                    f"document expands to more than {limits.max_expanded_nodes} nodes through "
                    "aliases (a 'billion laughs' YAML bomb?)")
        memo[id(node)] = (size, height)
    if depth + height > limits.max_depth:
        raise LimitExceededError(f"nesting deeper than {limits.max_depth} levels")
    return size, height
