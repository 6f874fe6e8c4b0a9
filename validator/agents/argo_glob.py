"""Argo CD's glob patterns (``directory.include`` / ``exclude``), matched as Argo CD does.

Argo CD compiles them with ``github.com/gobwas/glob`` without separators, so ``*``
matches any run of characters, ``/`` included (``*.yaml`` selects ``sub/x.yaml`` when
recursing), ``?`` one character, ``[abc]`` / ``[!abc]`` a class, ``{a,b}`` one of the
alternatives (nested allowed), and ``\\`` escapes the next character. The pattern is
matched against the file's path relative to the source folder.

Both the pattern and the file names come from the change under review, so the match must
stay linear: a backtracking regular expression (``.*`` per ``*``) took hours for
``*a*a*...*b`` against a long name of ``a``s. The pattern becomes a small automaton whose
states are simulated side by side (Thompson's construction): O(pattern x name).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: One character a state consumes: a compiled one-character class (None: any character).
_Char = re.Pattern[str] | None


@dataclass(frozen=True)
class _Automaton:
    """States ``0..n-1``; ``kinds[s]``: "one" (consume a char, go to ``nexts[s][0]``), "star"
    (consume any number of chars, stay; or go on), "split" (go to every ``nexts[s]``) or
    "match"."""

    kinds: tuple[str, ...]
    chars: tuple[_Char, ...]
    nexts: tuple[tuple[int, ...], ...]
    start: int


class _Builder:
    def __init__(self) -> None:
        self.kinds: list[str] = ["match"]
        self.chars: list[_Char] = [None]
        self.nexts: list[tuple[int, ...]] = [()]

    def add(self, kind: str, char: _Char, nexts: tuple[int, ...]) -> int:
        self.kinds.append(kind)
        self.chars.append(char)
        self.nexts.append(nexts)
        return len(self.kinds) - 1


# a parsed pattern: a sequence of ("one" | "star", char) and ("alt", [sequences])
_Node = tuple[str, object]


def _parse(pattern: str) -> list[_Node]:
    """The pattern as a sequence; an unclosed ``{`` closes at the end (as before)."""
    stack: list[list[list[_Node]]] = [[[]]]  # alternatives of each open group
    i = 0
    while i < len(pattern):
        char = pattern[i]
        current = stack[-1][-1]
        if char == "\\" and i + 1 < len(pattern):
            current.append(("one", re.compile(re.escape(pattern[i + 1]), re.DOTALL)))
            i += 2
            continue
        if char == "*":
            current.append(("star", None))
        elif char == "?":
            current.append(("one", None))
        elif char == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1:end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            current.append(("one", re.compile(
                f"[{'^' if negate else ''}{re.escape(body).replace(chr(92) + '-', '-')}]",
                re.DOTALL)))
            i = end + 1
            continue
        elif char == "{":
            stack.append([[]])
        elif char == "}" and len(stack) > 1:
            group = stack.pop()
            stack[-1][-1].append(("alt", group))
        elif char == "," and len(stack) > 1:
            stack[-1].append([])
        else:
            current.append(("one", re.compile(re.escape(char), re.DOTALL)))
        i += 1
    while len(stack) > 1:
        group = stack.pop()
        stack[-1][-1].append(("alt", group))
    return stack[0][0]


def _build(builder: _Builder, sequence: list[_Node], following: int) -> int:
    """The state that matches ``sequence`` and then goes on to ``following``."""
    for kind, value in reversed(sequence):
        if kind == "alt" and isinstance(value, list):
            following = builder.add("split", None, tuple(_build(builder, choice, following)
                                                         for choice in value))
        else:
            following = builder.add(kind, value if isinstance(value, re.Pattern) else None,
                                    (following,))
    return following


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> _Automaton:
    builder = _Builder()
    start = _build(builder, _parse(pattern), 0)
    return _Automaton(kinds=tuple(builder.kinds), chars=tuple(builder.chars),
                      nexts=tuple(builder.nexts), start=start)


def _closure(automaton: _Automaton, states: set[int]) -> set[int]:
    """``states`` and every state reachable from them without consuming a character."""
    pending, seen = list(states), set(states)
    while pending:
        state = pending.pop()
        kind = automaton.kinds[state]
        for following in automaton.nexts[state] if kind in ("split", "star") else ():
            if following not in seen:
                seen.add(following)
                pending.append(following)
    return seen


def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the Argo CD glob ``pattern`` in full."""
    try:
        automaton = _compiled(pattern)
    except re.error:
        return False
    states = _closure(automaton, {automaton.start})
    for char in path:
        stepped: set[int] = set()
        for state in states:
            kind, accepts = automaton.kinds[state], automaton.chars[state]
            if kind in ("one", "star") and (accepts is None or accepts.fullmatch(char)):
                stepped.add(state if kind == "star" else automaton.nexts[state][0])
        if not stepped:
            return False
        states = _closure(automaton, stepped)
    return 0 in states
