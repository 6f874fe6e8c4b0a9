"""The change under review: revisions, changed files and hunks, affected targets, base/head compare.

Value types live in :mod:`validator.change.model`; git access, the affected-target
graph and the new/existing/fixed comparison each have a module of their own:

- :mod:`~validator.change.revisions`: ``--base`` / ``--head`` / ``--worktree`` resolved to commits;
- :mod:`~validator.change.snapshot`: a revision's files in a temporary folder, removed at exit;
- :mod:`~validator.change.diff_files`: the changed files and their commentable lines
  (:mod:`~validator.change.hunks` reads the hunk headers);
- :mod:`~validator.change.git`: the one way this package runs git.

Typical use::

    revisions = resolve_revisions(folder, base=None, head=None, worktree=False)
    change = read_change(revisions)
    with materialise(revisions.repo, revisions.base) as base_root, \\
            materialise(revisions.repo, revisions.head) as head_root:
        ...
"""

from validator.change.diff_files import read_change
from validator.change.model import Change, ChangeStatus, FileChange, LineRange
from validator.change.revisions import WORKTREE, Revisions, resolve_revisions
from validator.change.snapshot import materialise

__all__ = [
    "WORKTREE",
    "Change",
    "ChangeStatus",
    "FileChange",
    "LineRange",
    "Revisions",
    "materialise",
    "read_change",
    "resolve_revisions",
]
