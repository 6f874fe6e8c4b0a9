"""Path rules for untrusted checkouts: stay inside the root, no remote references.

Every file a render reads must resolve (symlinks followed) to a place inside the
repository root; :func:`escaping_symlinks` finds the symlinks under a directory
that do not, so a chart or kustomization using one is refused before it runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from validator.render.walk import walk

#: What kustomize would try to fetch over the network rather than read from disk.
_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)"
                     r"|\?ref=|\.git(/|$)|^[\w.-]+\.[a-z]{2,}/[\w.-]+/[\w.-]+",
                     re.IGNORECASE)


def looks_remote(reference: str) -> bool:
    """Whether a kustomization entry names something remote (URL, git repository)."""
    return bool(_REMOTE.search(reference.strip()))


def inside_root(root: Path, path: Path) -> bool:
    """Whether ``path`` resolves (following symlinks) to ``root`` or below it.

    A path that cannot be resolved (a link into ``/proc`` we may not read, a loop)
    counts as outside: it is refused, never followed.
    """
    try:
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(path, strict=False))
    except OSError:
        return False
    return real == real_root or real.is_relative_to(real_root)


def repo_relative(root: Path, path: Path) -> str:
    """``path`` as a normalised repository-relative POSIX path (without resolving symlinks).

    Plain strings: planning calls this for every file of a checkout, and pathlib's
    parsing cost more than the rest of planning."""
    absolute = os.path.normpath(os.path.join(os.getcwd(), path))  # noqa: PTH109, PTH118
    base = os.path.normpath(os.path.join(os.getcwd(), root))  # noqa: PTH109, PTH118
    if absolute == base:
        return "."
    prefix = base if base.endswith("/") else base + "/"
    return absolute[len(prefix):] if absolute.startswith(prefix) else absolute


def resolved_relative(root: Path, path: Path) -> str | None:
    """What ``path`` resolves to (symlinks followed), repository-relative; None when outside."""
    try:
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(path, strict=False))
    except OSError:
        return None
    if real != real_root and not real.is_relative_to(real_root):
        return None
    return repo_relative(real_root, real)


def escaping_symlinks(root: Path, directory: Path) -> Iterator[Path]:
    """Symlinks under ``directory`` (or ``directory`` itself) that resolve outside ``root``,
    and folders too deep to look into (refused as well: what they hold is not known)."""
    if directory.is_symlink() and not inside_root(root, directory):
        yield directory
        return
    too_deep: list[str] = []
    for current, dirs, files in walk(directory, too_deep=too_deep.append):
        for name in (*dirs, *files):
            candidate = Path(current) / name
            if candidate.is_symlink() and not inside_root(root, candidate):
                yield candidate
    yield from map(Path, too_deep)



