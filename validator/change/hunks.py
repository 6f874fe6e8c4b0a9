"""The head-side lines a reviewer can comment on, from ``git diff -U3`` hunks.

GitHub and GitLab accept review comments on every line inside a hunk on the new side:
added lines and the context lines around them. Each hunk header ``@@ -a,b +c,d @@``
gives the head-side range ``c`` .. ``c+d-1``; the hunk's body tells context lines (`` ``)
from added ones (``+``), and GitLab needs a context line's base-side number too
(:class:`~validator.change.model.ContextRun`), so both come from one pass over the patch.
Paths come from the ``+++ b/PATH`` line (followed by a tab when it holds a space),
C-quoted by git when they hold quotes, backslashes, control or non-ASCII bytes
(``core.quotePath=true`` is pinned), so they are unquoted to git's raw bytes.
Content lines always start with `` ``, ``+``, ``-`` or ``\\``, so a line beginning with
``@@`` or ``diff --git`` is always a header.
"""

from __future__ import annotations

import os
import re

from validator.change.model import ContextRun, LineRange

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12,
            ord("r"): 13, ord('"'): 34, ord("\\"): 92}


def commentable_lines(patch: bytes) -> dict[str, tuple[LineRange, ...]]:
    """``{head path: ranges}`` of a ``git diff -p`` output; deleted files have no entry."""
    return {path: ranges for path, (ranges, _context) in diff_lines(patch).items()}


def diff_lines(patch: bytes) -> dict[str, tuple[tuple[LineRange, ...], tuple[ContextRun, ...]]]:
    """``{head path: (commentable ranges, context runs)}`` of a ``git diff -p`` output;
    deleted files have no entry. The hunk's counts say where its body ends, so a content
    line that looks like a header (``+++ b/x``) is read as content."""
    ranges: dict[str, list[LineRange]] = {}
    runs: dict[str, list[ContextRun]] = {}
    path: str | None = None
    in_hunks = False
    old = new = old_left = new_left = 0
    for line in patch.split(b"\n"):
        if old_left > 0 or new_left > 0:  # inside a hunk's body
            kind = line[:1]
            if kind in (b" ", b""):  # b"": an empty context line under diff.suppressBlankEmpty
                if path is not None:
                    _add_context(runs.setdefault(path, []), new, old)
                old, new, old_left, new_left = old + 1, new + 1, old_left - 1, new_left - 1
                continue
            if kind == b"+":
                new, new_left = new + 1, new_left - 1
                continue
            if kind == b"-":
                old, old_left = old + 1, old_left - 1
                continue
            if kind == b"\\":  # "\ No newline at end of file"
                continue
            old_left = new_left = 0  # a cut patch: read this line as a header
        if line.startswith(b"diff --git "):
            path, in_hunks = None, False
        elif not in_hunks and line.startswith(b"+++ "):
            path = _new_path(line[4:])
        elif line.startswith(b"@@") and (match := _HUNK.match(line)):
            in_hunks = True
            old, old_left = int(match[1]), int(match[2] or b"1")
            new, new_left = int(match[3]), int(match[4] or b"1")
            if path is not None and new_left > 0:
                ranges.setdefault(path, []).append(LineRange(start=new, end=new + new_left - 1))
    return {p: (tuple(merge_ranges(r)), tuple(runs.get(p, ()))) for p, r in ranges.items()}


def _add_context(runs: list[ContextRun], new: int, old: int) -> None:
    """Record head line ``new`` (base line ``old``) as unchanged, extending the last run."""
    if runs and runs[-1].start + runs[-1].count == new and runs[-1].old_start + runs[-1].count == old:
        last = runs.pop()
        runs.append(ContextRun(start=last.start, old_start=last.old_start, count=last.count + 1))
    else:
        runs.append(ContextRun(start=new, old_start=old, count=1))


def merge_ranges(ranges: list[LineRange]) -> list[LineRange]:
    """Sorted ranges with overlapping and touching ones joined."""
    merged: list[LineRange] = []
    for item in sorted(ranges):
        if merged and item.start <= merged[-1].end + 1:
            last = merged.pop()
            merged.append(LineRange(start=last.start, end=max(last.end, item.end)))
        else:
            merged.append(item)
    return merged


def _new_path(field: bytes) -> str | None:
    # git ends a name holding a space with a tab (for patch(1)), quoted or not (a name with a
    # space and a byte outside ASCII is both); a real tab in a name is quoted as \t
    field = field.removesuffix(b"\t")
    raw = unquote(field) if field.startswith(b'"') else field
    if raw == b"/dev/null":
        return None
    return os.fsdecode(raw.removeprefix(b"b/"))


def unquote(quoted: bytes) -> bytes:
    """The raw bytes of a C-quoted git path (``"a\\"b\\303\\251"``)."""
    body = quoted.rstrip(b"\r")
    body = body[1:-1] if body.endswith(b'"') else body[1:]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == ord("\\") and i + 1 < len(body):
            nxt = body[i + 1]
            if 48 <= nxt <= 55:  # \ooo: an octal byte
                out.append(int(body[i + 1:i + 4], 8))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return bytes(out)
