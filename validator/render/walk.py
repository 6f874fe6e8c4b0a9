"""Walking a checkout's folders without recursion and to a bounded depth.

Python 3.11's ``os.walk`` recurses once per folder level, so a checkout with a
thousand nested folders (a git tree holds two thousand one-letter levels within
``PATH_MAX``) overflowed the interpreter's stack and ended the run in a traceback
with no report. :func:`walk` yields what ``os.walk`` yields, top-down (the caller may
prune ``dirs``), from an explicit stack, and does not enter a folder deeper than
:data:`MAX_DEPTH` below the top: it calls ``too_deep`` with it instead, so the caller
reports what was not read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

#: Folder levels below the walk's top that are read; no GitOps repository comes near.
MAX_DEPTH = 256


def walk(top: str | os.PathLike[str], *, onerror: Callable[[OSError], None] | None = None,
         followlinks: bool = False, too_deep: Callable[[str], None] | None = None,
         max_depth: int = MAX_DEPTH) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror=..., followlinks=...)`` without recursion; a folder more than
    ``max_depth`` levels below ``top`` is passed to ``too_deep`` and not entered."""
    stack: list[tuple[str, int]] = [(os.fspath(top), 0)]
    while stack:
        current, depth = stack.pop()
        listed = _list(current, onerror)
        if listed is None:
            continue
        dirs, files = listed
        yield current, dirs, files
        below: list[tuple[str, int]] = []
        for name in dirs:
            path = str(Path(current) / name)
            if not followlinks and Path(path).is_symlink():
                continue
            if depth + 1 > max_depth:
                if too_deep is not None:
                    too_deep(path)
                continue
            below.append((path, depth + 1))
        stack.extend(reversed(below))


def _list(folder: str, onerror: Callable[[OSError], None] | None) -> tuple[list[str], list[str]] | None:
    """The sub-folders and other entries of ``folder`` (as ``os.walk`` sorts them), or None."""
    dirs: list[str] = []
    files: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                (dirs if is_dir else files).append(entry.name)
    except OSError as error:
        if onerror is not None:
            onerror(error)
        return None
    return dirs, files
