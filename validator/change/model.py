"""What a change is, as plain data: the two revisions, each changed file, the commentable lines.

Built from ``git diff`` (never from a hosting API's capped diff) by the git module of this
package, and read by the affected-target planner, the comparison and the publishers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ChangeStatus(enum.StrEnum):
    """How one file changed between base and head (``git diff --name-status`` letters)."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type-changed"
    """A file became a symlink or the other way round (``T``)."""
    MODE_CHANGED = "mode-changed"
    """Only the file mode changed (executable bit)."""


@dataclass(frozen=True, kw_only=True, order=True)
class LineRange:
    """Lines ``start`` to ``end`` (1-based, inclusive) of the head side of a file."""

    start: int
    end: int

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.start <= line <= self.end


@dataclass(frozen=True, kw_only=True, order=True)
class ContextRun:
    """Unchanged lines inside a hunk: head lines ``start`` .. ``start + count - 1`` are base
    lines ``old_start`` .. ``old_start + count - 1`` (the diff's context lines, `` `` prefixed).

    GitLab places a discussion on such a line only with both its ``old_line`` and its
    ``new_line``; on an added line with ``new_line`` alone."""

    start: int
    old_start: int
    count: int


@dataclass(frozen=True, kw_only=True)
class FileChange:
    """One changed path."""

    path: str
    """Repository-relative POSIX path on the head side (the base side's path when deleted)."""
    status: ChangeStatus
    """What happened to it."""
    old_path: str = ""
    """The base side's path for a rename or copy; empty otherwise."""
    similarity: int = 0
    """Rename or copy similarity in percent (git's ``R095``); 0 otherwise."""
    binary: bool = False
    """Git considers the content binary: it is never loaded, only reported as skipped."""
    submodule: bool = False
    """The path is a submodule (a gitlink): reported as skipped."""
    commentable: tuple[LineRange, ...] = ()
    """Head-side lines a reviewer can comment on: every line inside a diff hunk on the new
    side (added and context lines, as GitHub and GitLab allow)."""
    context: tuple[ContextRun, ...] = ()
    """The unchanged lines among :attr:`commentable`, with their base-side numbers; every other
    commentable line was added by the change."""

    def old_line(self, line: int) -> int | None:
        """The base-side number of head ``line`` when it is an unchanged line inside a hunk;
        None for an added line (or a line outside every hunk)."""
        for run in self.context:
            if run.start <= line < run.start + run.count:
                return run.old_start + (line - run.start)
        return None


@dataclass(frozen=True, kw_only=True)
class Change:
    """A base revision, a head revision and what differs between them."""

    base: str
    """The base commit (full SHA)."""
    head: str
    """The head commit (full SHA), or ``"WORKTREE"`` for the working tree with its edits."""
    files: tuple[FileChange, ...] = ()
    """Every changed path, sorted by path."""
    outside: tuple[str, ...] = ()
    """Changed paths outside the validated root (working-tree-relative), ignored: the root is
    a sub-folder with its own configuration (see :mod:`validator.change.rebase`)."""

    @property
    def paths(self) -> frozenset[str]:
        """Every path the change touches, on either side (renames contribute both)."""
        return frozenset({f.path for f in self.files} | {f.old_path for f in self.files if f.old_path})
