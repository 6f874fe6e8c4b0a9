"""GitLab positions built from a file's change: added lines, context lines, renames, outside."""

from __future__ import annotations

import pytest

from validator.change.model import ChangeStatus, ContextRun, FileChange, LineRange
from validator.scm.gitlab.position import DiffRefs, position

REFS = DiffRefs(base_sha="b" * 40, start_sha="s" * 40, head_sha="h" * 40)
SHAS = {"base_sha": "b" * 40, "start_sha": "s" * 40, "head_sha": "h" * 40, "position_type": "text"}
MODIFIED = FileChange(path="apps/web.yaml", status=ChangeStatus.MODIFIED,
                      commentable=(LineRange(start=7, end=13),),
                      context=(ContextRun(start=7, old_start=7, count=3),
                               ContextRun(start=11, old_start=12, count=3)))


def test_diff_refs_from_the_api() -> None:
    refs = DiffRefs.from_api({"base_sha": "b" * 40, "start_sha": "s" * 40, "head_sha": "h" * 40})
    assert refs == REFS
    bad_refs: list[object] = [None, [], {"base_sha": "b" * 40},
                              {"base_sha": 1, "start_sha": "s", "head_sha": "h"},
                              {"base_sha": "", "start_sha": "s", "head_sha": "h"}]
    for bad in bad_refs:
        with pytest.raises(ValueError, match="diff_refs"):
            DiffRefs.from_api(bad)


def test_an_added_line_has_new_line_only() -> None:
    assert position(REFS, MODIFIED, 10) == {
        **SHAS, "old_path": "apps/web.yaml", "new_path": "apps/web.yaml", "new_line": 10}


def test_a_context_line_has_both_lines() -> None:
    assert position(REFS, MODIFIED, 12) == {
        **SHAS, "old_path": "apps/web.yaml", "new_path": "apps/web.yaml", "old_line": 13, "new_line": 12}
    assert position(REFS, MODIFIED, 7)["old_line"] == 7  # type: ignore[index]


def test_lines_outside_the_diff_have_no_position() -> None:
    assert position(REFS, MODIFIED, 6) is None
    assert position(REFS, MODIFIED, 14) is None
    assert position(REFS, MODIFIED, 0) is None


def test_a_renamed_file_names_its_base_path() -> None:
    moved = FileChange(path="moved.yaml", old_path="long.yaml", status=ChangeStatus.RENAMED,
                       commentable=(LineRange(start=17, end=20),),
                       context=(ContextRun(start=17, old_start=17, count=3),))
    assert position(REFS, moved, 20) == {**SHAS, "old_path": "long.yaml", "new_path": "moved.yaml",
                                         "new_line": 20}
    assert position(REFS, moved, 18) == {**SHAS, "old_path": "long.yaml", "new_path": "moved.yaml",
                                         "old_line": 18, "new_line": 18}


def test_an_added_file_names_its_path_on_both_sides() -> None:
    new = FileChange(path="new.yaml", status=ChangeStatus.ADDED, commentable=(LineRange(start=1, end=2),))
    assert position(REFS, new, 2) == {**SHAS, "old_path": "new.yaml", "new_path": "new.yaml", "new_line": 2}


def test_a_deleted_file_has_no_head_lines() -> None:
    gone = FileChange(path="gone.yaml", status=ChangeStatus.DELETED)
    assert position(REFS, gone, 1) is None
