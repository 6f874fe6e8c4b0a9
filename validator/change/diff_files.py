"""The changed files between two revisions, from ``git diff --raw --numstat -M -z``.

``--raw`` gives the status letter, both modes and both paths; ``--numstat`` (same
order) tells binary files apart (``-`` counts). Modes tell submodules (gitlinks) and
mode-only changes apart. ``-z`` keeps every path as git's raw bytes: spaces, quotes,
newlines and non-UTF-8 names arrive intact (decoded with ``os.fsdecode``).

The working-tree mode diffs the base against the files on disk through a temporary
copy of the index in which untracked, non-ignored files are marked intent-to-add
(``git add -N``: no object is written), so they show as added; the user's index is
only read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from validator.change.git import git
from validator.change.hunks import diff_lines
from validator.change.model import Change, ChangeStatus, ContextRun, FileChange, LineRange
from validator.change.revisions import Revisions

#: Options of every diff: rename detection, raw bytes, nothing from the user's diff tools.
DIFF_OPTIONS = ("-M", "--no-ext-diff", "--no-textconv", "--no-color", "--ignore-submodules=none",
                "--submodule=short", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative")

_STATUS = {
    "A": ChangeStatus.ADDED, "M": ChangeStatus.MODIFIED, "D": ChangeStatus.DELETED,
    "R": ChangeStatus.RENAMED, "C": ChangeStatus.COPIED, "T": ChangeStatus.TYPE_CHANGED,
}
_GITLINK = "160000"


@dataclass(frozen=True, kw_only=True)
class _Raw:
    status: str
    old_mode: str
    new_mode: str
    path: str
    old_path: str
    score: int


def read_change(revisions: Revisions) -> Change:
    """Every changed file of ``revisions`` with its head-side commentable lines and, among
    them, the unchanged ones with their base-side numbers (one ``git diff -p`` read for both)."""
    with _diff_index(revisions) as index_file:
        sides = (revisions.base,) if revisions.worktree else (revisions.base, revisions.head)
        listing = git(revisions.repo, "diff", "--raw", "--numstat", "-z", *DIFF_OPTIONS, *sides, "--",
                      index_file=index_file).stdout
        patch = git(revisions.repo, "diff", "-p", "-U3", "--inter-hunk-context=0", *DIFF_OPTIONS,
                    *sides, "--", index_file=index_file).stdout
    raws, binaries = parse_listing(listing)
    lines = diff_lines(patch)
    files = [_file_change(raw, binary=raw.path in binaries, ranges=lines) for raw in raws]
    return Change(base=revisions.base, head=revisions.head,
                  files=tuple(sorted(files, key=lambda f: (f.path, f.old_path))))


def parse_listing(listing: bytes) -> tuple[list[_Raw], set[str]]:
    """The ``--raw`` entries and the head paths ``--numstat`` marks binary, of one ``-z`` output."""
    fields = listing.split(b"\0")
    raws: list[_Raw] = []
    binaries: set[str] = set()
    i = 0
    while i < len(fields) and fields[i].startswith(b":"):
        old_mode, new_mode, _old, _new, status = fields[i][1:].decode().split()
        if status[0] in "RC":
            old, new, i = fields[i + 1], fields[i + 2], i + 3
        else:
            old, new, i = b"", fields[i + 1], i + 2
        raws.append(_Raw(status=status[0], old_mode=old_mode, new_mode=new_mode, path=os.fsdecode(new),
                         old_path=os.fsdecode(old), score=int(status[1:] or 0)))
    while i < len(fields) and fields[i]:
        added, _deleted, path = fields[i].split(b"\t", 2)
        if path:
            i += 1
        else:  # a rename or copy: the two paths follow
            path, i = fields[i + 2], i + 3
        if added == b"-":
            binaries.add(os.fsdecode(path))
    return raws, binaries


def _file_change(raw: _Raw, *, binary: bool,
                 ranges: dict[str, tuple[tuple[LineRange, ...], tuple[ContextRun, ...]]]) -> FileChange:
    status = _STATUS.get(raw.status, ChangeStatus.MODIFIED)
    submodule = _GITLINK in (raw.old_mode, raw.new_mode)
    skipped = binary or submodule or status is ChangeStatus.DELETED
    commentable, context = ((), ()) if skipped else ranges.get(raw.path, ((), ()))
    if status is ChangeStatus.MODIFIED and raw.old_mode != raw.new_mode and not commentable and not binary:
        status = ChangeStatus.MODE_CHANGED
    similarity = raw.score if status in (ChangeStatus.RENAMED, ChangeStatus.COPIED) else 0
    return FileChange(path=raw.path, status=status, old_path=raw.old_path, similarity=similarity,
                      binary=binary, submodule=submodule, commentable=commentable, context=context)


@contextlib.contextmanager
def _diff_index(revisions: Revisions) -> Iterator[Path | None]:
    """A temporary index with untracked files intent-to-add (working-tree mode); None otherwise."""
    if not revisions.worktree:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="gitops-validator-index-"))
    try:
        index_file = folder / "index"
        user_index = Path(git(revisions.repo, "rev-parse", "--git-path", "index").stdout.decode().strip())
        user_index = user_index if user_index.is_absolute() else revisions.repo / user_index
        if user_index.is_file():  # with its times: git trusts no entry as new as the index
            shutil.copy2(user_index, index_file)  # (racily clean), a later copy would hide edits
        untracked = git(revisions.repo, "ls-files", "-z", "--others", "--exclude-standard").stdout
        if untracked:
            git(revisions.repo, "add", "--intent-to-add", "--pathspec-from-file=-", "--pathspec-file-nul",
                stdin=untracked, index_file=index_file)
        yield index_file
    finally:
        shutil.rmtree(folder, ignore_errors=True)
