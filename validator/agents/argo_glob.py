"""Argo CD's glob patterns (``directory.include`` / ``exclude``), matched as Argo CD does.

Argo CD compiles them with ``github.com/gobwas/glob`` without separators, so ``*``
matches any run of characters, ``/`` included (``*.yaml`` selects ``sub/x.yaml`` when
recursing), ``?`` one character, ``[abc]`` / ``[!abc]`` a class, ``{a,b}`` one of the
alternatives (nested allowed), and ``\\`` escapes the next character. The pattern is
matched against the file's path relative to the source folder.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1:end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append(f"[{'^' if negate else ''}{re.escape(body).replace(chr(92) + '-', '-')}]")
            i = end + 1
            continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    out.extend(")" * depth)
    return re.compile("".join(out), re.DOTALL)


def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the Argo CD glob ``pattern`` in full."""
    try:
        return _compiled(pattern).fullmatch(path) is not None
    except re.error:
        return False
