"""Limits that keep hostile YAML from costing unbounded time or memory.

libyaml itself refuses nesting deeper than 1000 levels while scanning. On top of
that, every document is measured as it will be *expanded*: PyYAML shares an
aliased node between its uses, so a billion-laughs document (or a 1 MiB string
aliased 3,000 times) is small in memory until something walks it -- the policy
input's ``json.dumps``, the schema engine, or a Go YAML library inside helm or
kustomize. The size is counted in nodes and in bytes (an estimate of its JSON
text) with memoisation by identity, so measuring never expands anything, and it
is checked against budgets per document, per file and per run
(:class:`ExpansionBudget`) before anything downstream sees the document.
"""

from __future__ import annotations

import gc
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
    max_expanded_bytes: int = 16 * 1024 * 1024
    """Most bytes one document's JSON form may take once aliases are followed."""
    max_file_expanded_nodes: int = 8_000_000
    """Most nodes all documents of one file (or render output) may expand to together
    (room for the largest file or render output read without aliases)."""
    max_file_expanded_bytes: int = 128 * 1024 * 1024
    """Most bytes all documents of one file (or render output) may expand to together."""
    max_run_expanded_nodes: int = 24_000_000
    """Most nodes all documents of a run may expand to together."""
    max_run_expanded_bytes: int = 384 * 1024 * 1024
    """Most bytes all documents of a run may expand to together (about the policy input's size)."""
    max_documents: int = 20_000
    """Most YAML documents read from one file or render output; the rest are not checked."""


@dataclass(frozen=True, kw_only=True)
class Expansion:
    """What documents expand to once every alias is followed."""

    nodes: int = 0
    """Mappings, sequences, keys and scalars."""
    bytes: int = 0
    """An estimate of the size of their JSON text."""

    def __add__(self, other: Expansion) -> Expansion:
        return Expansion(nodes=self.nodes + other.nodes, bytes=self.bytes + other.bytes)

    def over(self, nodes: int, size: int) -> str:
        """Why this expansion breaks ``nodes``/``size`` (empty when it does not)."""
        if self.nodes > nodes:
            return f"more than {nodes} nodes"
        if self.bytes > size:
            return f"more than {_mib(size)} of data"
        return ""


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def scalar_bytes(value: object) -> int:
    """Estimated JSON size of one scalar (strings counted with their quotes)."""
    if isinstance(value, str):
        return len(value) + 2
    return 5  # numbers, booleans and null: a rough average


class ExpansionBudget:
    """Expansion counted against one budget (one file's, or one run's) as documents come."""

    def __init__(self, nodes: int, size: int) -> None:
        self.nodes, self.size = nodes, size
        self.used = Expansion()

    def spend(self, expansion: Expansion) -> str:
        """Add ``expansion``; what it would break (``more than ...``; nothing is added then),
        else empty."""
        total = self.used + expansion
        over = total.over(self.nodes, self.size)
        if not over:
            self.used = total
        return over


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
    """A document is too deep or expands too far (nodes or bytes)."""

    def __init__(self, message: str, *, line: int = 0) -> None:
        super().__init__(message)
        self.line = line
        """1-based line where the limit was hit, when known (else 0: the document's)."""


#: Longest integer Python converts from text (``sys.get_int_max_str_digits``); longer is refused.
MAX_INT_DIGITS = 4300


def number_too_long(text: str, line: int) -> LimitExceededError | None:
    """The error for an integer literal too long to read, else None."""
    digits = sum(1 for char in text if char.isdigit())
    if digits <= MAX_INT_DIGITS:
        return None
    return LimitExceededError(f"a number with {digits} digits (more than {MAX_INT_DIGITS} are "
                              "not read)", line=line)


def check_limits(document: object, limits: LoadLimits) -> Expansion:
    """``document``'s expansion; :class:`LimitExceededError` if it is too deep or too big."""
    nodes, size, _ = _measure(document, 1, {}, limits)
    return Expansion(nodes=nodes, bytes=size)


def document_too_big(nodes: int, size: int, limits: LoadLimits) -> LimitExceededError:
    """The error for a document expanding past the per-document budget."""
    over = Expansion(nodes=nodes, bytes=size).over(limits.max_expanded_nodes,
                                                   limits.max_expanded_bytes)
    return LimitExceededError(f"document expands to {over} through aliases "
                              "(a 'billion laughs' YAML bomb?)")


def _measure(node: object, depth: int, memo: dict[int, tuple[int, int, int]],
             limits: LoadLimits) -> tuple[int, int, int]:
    """(expanded nodes, expanded bytes, height) of ``node``, memoised by identity for shared
    alias targets."""
    if isinstance(node, dict):
        keys: list[object] = list(node)
        children: list[object] = list(node.values())
    elif isinstance(node, list):
        keys, children = [], node
    else:
        return 1, scalar_bytes(node), 0
    known = memo.get(id(node))
    if known is not None:
        nodes, size, height = known
    else:
        if depth > limits.max_depth:
            raise LimitExceededError(
                f"nesting deeper than {limits.max_depth} levels (or a recursive alias)")
        # each key: one node, its text, quotes and colon; each item: a comma
        nodes = 1 + len(keys)
        size = 2 + len(children) + sum(scalar_bytes(str(key)) + 1 for key in keys)
        height = 0
        for child in children:
            child_nodes, child_size, child_height = _measure(child, depth + 1, memo, limits)
            nodes += child_nodes
            size += child_size
            height = max(height, child_height + 1)
            if nodes > limits.max_expanded_nodes or size > limits.max_expanded_bytes:
                raise document_too_big(nodes, size, limits)
        memo[id(node)] = (nodes, size, height)
    if depth + height > limits.max_depth:
        raise LimitExceededError(f"nesting deeper than {limits.max_depth} levels")
    return nodes, size, height
