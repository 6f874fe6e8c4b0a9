"""Only regular files are read: a FIFO, socket or device named ``*.yaml`` would block or never end.

:func:`not_regular` names what a path is when it is not a regular file (after
following symlinks), so that scanning, loading and the render screen skip or refuse
it with that reason instead of opening it.
"""

from __future__ import annotations

import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


def not_regular(path: Path) -> str:
    """Why ``path`` is not read (``not a regular file (a FIFO); not read``), or empty when it is
    a regular file or does not exist (a missing file is its reader's to report)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return ""
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind}); not read"
