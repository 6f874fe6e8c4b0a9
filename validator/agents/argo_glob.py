"""Argo CD's glob patterns (``directory.include`` / ``exclude``), matched as Argo CD does.

Argo CD compiles them with ``github.com/gobwas/glob`` without separators, so ``*``
matches any run of characters, ``/`` included (``*.yaml`` selects ``sub/x.yaml`` when
recursing), ``?`` one character, ``[abc]`` / ``[!abc]`` a class, ``{a,b}`` one of the
alternatives (nested allowed), and ``\\`` escapes the next character. The pattern is
matched against the file's path relative to the source folder.

Both the pattern and the file names come from the change under review, so the match must
stay linear: the pattern is matched by :mod:`glob_automaton`, not a backtracking regex.
"""

from __future__ import annotations

import functools
import re

from validator.agents.glob_automaton import Automaton, Node, automaton, full_match


def _parse(pattern: str) -> list[Node]:
    """The pattern as a sequence; an unclosed ``{`` closes at the end (as before)."""
    stack: list[list[list[Node]]] = [[[]]]  # alternatives of each open group
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


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Automaton:
    return automaton(_parse(pattern))


def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the Argo CD glob ``pattern`` in full."""
    try:
        machine = _compiled(pattern)
    except re.error:
        return False
    return full_match(machine, path)
