"""Glob matching in linear time, for the glob dialects the agents use (Argo CD's gobwas globs,
Go's ``path.Match`` in Flux substitutions).

Patterns and the text they are matched against both come from the change under review: a
backtracking regular expression (``.*`` per ``*``) took hours for ``*a*a*...*b`` against a
long run of ``a``. A pattern here is a sequence of nodes (one character, a run of characters,
alternatives), built into a small automaton whose states are simulated side by side
(Thompson's construction): O(pattern x text), and every prefix's answer in the same pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The characters a node consumes: a compiled one-character pattern (None: any character).
Char = re.Pattern[str] | None
#: ``("one", Char)`` one character, ``("star", Char)`` any run of them, ``("alt", [sequence,
#: ...])`` one of the sequences.
Node = tuple[str, object]


@dataclass(frozen=True)
class Automaton:
    """States ``0..n-1`` (0 accepts): ``kinds[s]`` is "one" (consume a character, go to
    ``nexts[s][0]``), "star" (consume one and stay, or go on without), "split" or "match"."""

    kinds: tuple[str, ...]
    chars: tuple[Char, ...]
    nexts: tuple[tuple[int, ...], ...]
    start: int


def automaton(sequence: list[Node]) -> Automaton:
    """The automaton of a parsed pattern."""
    kinds: list[str] = ["match"]
    chars: list[Char] = [None]
    nexts: list[tuple[int, ...]] = [()]

    def add(kind: str, char: Char, following: tuple[int, ...]) -> int:
        kinds.append(kind)
        chars.append(char)
        nexts.append(following)
        return len(kinds) - 1

    def build(nodes: list[Node], following: int) -> int:
        for kind, value in reversed(nodes):
            if kind == "alt" and isinstance(value, list):
                following = add("split", None, tuple(build(choice, following)
                                                     for choice in value))
            else:
                following = add(kind, value if isinstance(value, re.Pattern) else None,
                                (following,))
        return following

    start = build(sequence, 0)
    return Automaton(kinds=tuple(kinds), chars=tuple(chars), nexts=tuple(nexts), start=start)


def _closure(machine: Automaton, states: set[int]) -> set[int]:
    """``states`` and every state reachable from them without consuming a character."""
    pending, seen = list(states), set(states)
    while pending:
        state = pending.pop()
        if machine.kinds[state] in ("split", "star"):
            for following in machine.nexts[state]:
                if following not in seen:
                    seen.add(following)
                    pending.append(following)
    return seen


def prefix_matches(machine: Automaton, text: str) -> list[bool]:
    """``result[n]``: whether ``text[:n]`` matches, for n = 0..len(text) (shorter when no
    longer prefix can match)."""
    states = _closure(machine, {machine.start})
    result = [0 in states]
    for char in text:
        stepped: set[int] = set()
        for state in states:
            kind, accepts = machine.kinds[state], machine.chars[state]
            if kind in ("one", "star") and (accepts is None or accepts.fullmatch(char)):
                stepped.add(state if kind == "star" else machine.nexts[state][0])
        if not stepped:
            break
        states = _closure(machine, stepped)
        result.append(0 in states)
    return result


def full_match(machine: Automaton, text: str) -> bool:
    """Whether all of ``text`` matches."""
    matches = prefix_matches(machine, text)
    return len(matches) == len(text) + 1 and matches[-1]
