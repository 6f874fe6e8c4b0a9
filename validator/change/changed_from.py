"""The minimal git reading ``targets --changed-from REF`` needs: changed paths and the base tree.

Deliberately small and isolated: the full git module of this package (revisions,
worktrees, hunks) replaces these functions at integration. Every call goes through
:mod:`validator.process`; no hook runs (``read-tree`` and ``checkout-index`` run none)
and the user's index and working tree are never touched (the base tree is written
through a temporary index into a temporary folder).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from validator.change.model import Change, ChangeStatus, FileChange
from validator.errors import CommandError, UsageError
from validator.process import Command, run

_STATUS = {"A": ChangeStatus.ADDED, "M": ChangeStatus.MODIFIED, "D": ChangeStatus.DELETED,
           "R": ChangeStatus.RENAMED, "C": ChangeStatus.COPIED, "T": ChangeStatus.TYPE_CHANGED}
_GIT_TIMEOUT = 120.0


def changed_files(root: Path, ref: str) -> Change:
    """What differs between ``ref`` and the working tree under ``root`` (tracked changes, then
    untracked files that are not git-ignored), paths relative to ``root``."""
    _git(root, "rev-parse", "--show-toplevel", what="not a git repository (--changed-from needs "
         "a git checkout)")
    base = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                what=f"{ref!r} is not a commit here (fetch it first: git fetch origin {ref})")
    diff = _git(root, "diff", "--name-status", "-M", "-z", "--relative", "--no-ext-diff",
                base.strip(), "--", what="git diff failed")
    files = _parse_name_status(diff)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--",
                     what="git ls-files failed")
    files += [FileChange(path=p, status=ChangeStatus.ADDED) for p in untracked.split("\0") if p]
    return Change(base=base.strip(), head="WORKTREE",
                  files=tuple(sorted(files, key=lambda f: f.path)))


@contextlib.contextmanager
def base_tree(root: Path, commit: str) -> Iterator[Path]:
    """A temporary folder holding the files of ``commit``; yields the folder that corresponds
    to ``root`` inside it (``root`` may be a folder of the git repository). Removed at exit."""
    prefix = _git(root, "rev-parse", "--show-prefix", what="not a git repository").strip()
    with tempfile.TemporaryDirectory(prefix="gitops-validator-base-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        tree = Path(tmp) / "tree"
        _git(root, "read-tree", commit, env=index, what=f"cannot read the tree of {commit}")
        _git(root, "checkout-index", "--all", "--force", f"--prefix={tree}/", env=index,
             top=True, what=f"cannot write the tree of {commit}")
        yield tree / prefix if prefix else tree


def _parse_name_status(output: str) -> list[FileChange]:
    fields = output.split("\0")
    files: list[FileChange] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i]
        status = _STATUS.get(code[0], ChangeStatus.MODIFIED)
        if status in (ChangeStatus.RENAMED, ChangeStatus.COPIED):
            old, new = fields[i + 1], fields[i + 2]
            files.append(FileChange(path=new, old_path=old, status=status,
                                    similarity=int(code[1:] or 0)))
            i += 3
        else:
            files.append(FileChange(path=fields[i + 1], status=status))
            i += 2
    return files


def _git(root: Path, *args: str, what: str, env: dict[str, str] | None = None,
         top: bool = False) -> str:
    """Run git in ``root`` (at the top of its repository with ``top``); ``what`` is the error."""
    cwd = root
    if top:
        cwd = Path(_git(root, "rev-parse", "--show-toplevel", what="not a git repository").strip())
    try:
        result = run(Command(args=("git", "-c", "core.quotePath=false", *args), cwd=cwd,
                             env=env or {}, timeout=_GIT_TIMEOUT))
    except CommandError as exc:
        raise UsageError(f"{what} ({root}): {exc}") from exc
    return result.stdout.decode("utf-8", "surrogateescape")
