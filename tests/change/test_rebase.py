"""A change seen from a validated root inside the git working tree (a sub-folder with its own
configuration): paths rebased onto the root, paths outside it set apart, renames across its
edge become additions or deletions."""

from __future__ import annotations

from validator.change.model import Change, ChangeStatus, FileChange, LineRange
from validator.change.rebase import rebase

A, M, D, R, C = (ChangeStatus.ADDED, ChangeStatus.MODIFIED, ChangeStatus.DELETED,
                 ChangeStatus.RENAMED, ChangeStatus.COPIED)


def _change(*files: FileChange) -> Change:
    return Change(base="b" * 40, head="h" * 40, files=files)


def test_the_top_of_the_working_tree_is_the_change_itself() -> None:
    change = _change(FileChange(path="a.yaml", status=M))
    assert rebase(change, "") is change
    assert rebase(change, ".") is change


def test_paths_under_the_root_lose_its_prefix_and_the_others_are_outside() -> None:
    lines = (LineRange(start=1, end=3),)
    change = _change(FileChange(path="examples/apps/a.yaml", status=M, commentable=lines),
                     FileChange(path="examples-old/b.yaml", status=A),
                     FileChange(path="README.md", status=M),
                     FileChange(path="examples/x/new.yaml", old_path="examples/x/old.yaml",
                                status=R, similarity=90))
    rebased = rebase(change, "examples")
    assert rebased.files == (
        FileChange(path="apps/a.yaml", status=M, commentable=lines),
        FileChange(path="x/new.yaml", old_path="x/old.yaml", status=R, similarity=90))
    assert rebased.outside == ("README.md", "examples-old/b.yaml")
    assert (rebased.base, rebased.head) == (change.base, change.head)


def test_a_rename_across_the_edge_is_an_addition_or_a_deletion() -> None:
    change = _change(FileChange(path="gitops/in.yaml", old_path="other/in.yaml", status=R, similarity=100),
                     FileChange(path="other/out.yaml", old_path="gitops/out.yaml", status=R, similarity=100),
                     FileChange(path="other/copy.yaml", old_path="gitops/src.yaml", status=C, similarity=100),
                     FileChange(path="gitops/copy.yaml", old_path="other/src.yaml", status=C, similarity=100))
    rebased = rebase(change, "gitops/")
    assert rebased.files == (FileChange(path="copy.yaml", status=A),
                             FileChange(path="in.yaml", status=A),
                             FileChange(path="out.yaml", status=D))
    assert rebased.outside == ("other/copy.yaml", "other/in.yaml", "other/out.yaml", "other/src.yaml")
