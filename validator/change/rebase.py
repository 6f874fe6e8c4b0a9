"""A change seen from the validated root, when that root is a sub-folder of the git working tree.

Git reports paths relative to the top of the working tree; a repository validated from a
sub-folder with its own ``.gitops-validator.yaml`` (``check examples/``) reads every path
relative to that folder. :func:`rebase` is the one place a change is mapped onto such a
root, for ``diff`` and ``targets --changed-from`` alike: paths under the root lose its
prefix, paths outside it are set apart in :attr:`Change.outside` (nothing there can be
read by a target of the root, so they are reported, not planned), and a rename or copy
across the root's edge becomes what the root sees: an added file (moved or copied in)
or a deleted one (moved out).

Which sub-folder is the root is :func:`config_root`'s answer: the nearest folder at or
above the folder given that holds a ``.gitops-validator.yaml`` (``check``'s rule), looked
up in the *trusted* revision, so a change under review cannot move the root (a
configuration file added by the head below the folder given changes nothing).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import replace
from pathlib import Path

from validator.change.git import git
from validator.change.model import Change, ChangeStatus, FileChange
from validator.repo_config import CONFIG_FILE

__all__ = ["config_root", "rebase", "under"]

#: A file or a symlink in a git tree (``check`` follows a symlinked configuration too; the
#: loader refuses one that leaves the repository).
_FILE_MODES = ("100644", "100755", "120000")


def config_root(repo: Path, revision: str, start: str) -> str:
    """The folder (working-tree-relative, ``""``: the top) nearest at or above ``start`` that
    holds a configuration file in ``revision`` (a commit); the top when none does."""
    candidates = []
    folder = posixpath.normpath(start.strip("/") or ".")
    while folder not in (".", ""):
        candidates.append(folder)
        folder = posixpath.dirname(folder)
    if not candidates:
        return ""
    listing = git(repo, "ls-tree", "-z", "--full-tree", revision, "--",
                  *(f"{c}/{CONFIG_FILE}" for c in candidates)).stdout
    found = set()
    for record in listing.split(b"\0"):
        meta, _, path = record.partition(b"\t")
        if meta.split()[:1] and meta.split()[0].decode() in _FILE_MODES:
            found.add(posixpath.dirname(os.fsdecode(path)))
    return next((c for c in candidates if c in found), "")


def under(path: str, prefix: str) -> str | None:
    """``path`` relative to the folder ``prefix`` (both working-tree-relative), or None outside it."""
    folder = prefix.strip("/")
    if folder in ("", "."):
        return path
    if path.startswith(folder + "/"):
        return path[len(folder) + 1:]
    return None


def rebase(change: Change, prefix: str) -> Change:
    """``change`` with paths relative to the folder ``prefix`` (``""``: the change itself)."""
    if prefix.strip("/") in ("", "."):
        return change
    files: list[FileChange] = []
    outside: set[str] = set(change.outside)
    for file in change.files:
        path = under(file.path, prefix)
        old = under(file.old_path, prefix) if file.old_path else None
        if file.old_path and old is None:
            outside.add(file.old_path)
        if path is None:
            outside.add(file.path)
            if old is not None and file.status is ChangeStatus.RENAMED:  # moved out: gone here
                files.append(FileChange(path=old, status=ChangeStatus.DELETED, binary=file.binary,
                                        submodule=file.submodule))
        elif file.old_path and old is None:  # moved or copied in: new here
            files.append(replace(file, path=path, old_path="", status=ChangeStatus.ADDED, similarity=0))
        else:
            files.append(replace(file, path=path, old_path=old or ""))
    return replace(change, files=tuple(sorted(files, key=lambda f: (f.path, f.old_path))),
                   outside=tuple(sorted(outside)))
