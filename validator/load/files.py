"""Only regular files are read: a FIFO, socket or device named ``*.yaml`` would block or never end.

:func:`special_file_kind` names what a path is when it is neither a regular file nor a
directory (after following symlinks), and :func:`not_regular` turns that into the reason
used everywhere, so that scanning, loading, kustomization references, the render screen
and the command line skip or refuse such a path instead of opening it.
"""

from __future__ import annotations

import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file_kind(path: Path) -> str | None:
    """What ``path`` is when it is neither a regular file nor a directory (``a named pipe``,
    ``a character device``...); None for files, directories and paths that do not exist."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def not_regular(path: Path) -> str:
    """Why ``path`` is not read (``not a regular file (a named pipe); not read``), or empty when
    it is a regular file, or does not exist (a missing file is its reader's to report)."""
    try:
        if path.is_dir():
            return "not a regular file (a directory); not read"
    except OSError:
        return ""
    kind = special_file_kind(path)
    return f"not a regular file ({kind}); not read" if kind else ""
