"""Unchanged lines inside hunks (``FileChange.context``), read from the same patch as the
commentable lines: GitLab needs a context line's base-side number to place a discussion."""

from __future__ import annotations

from tests.change.gitrepo import GitRepo
from validator.change.diff_files import read_change
from validator.change.hunks import diff_lines
from validator.change.model import ContextRun, FileChange, LineRange
from validator.change.revisions import resolve_revisions

TWENTY = "".join(f"line{n}\n" for n in range(1, 21))


def _files(repo: GitRepo, base: str) -> dict[str, FileChange]:
    change = read_change(resolve_revisions(repo.root, base=base))
    return {f.path: f for f in change.files}


def test_added_file_has_no_context(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("new.yaml", "a: 1\nb: 2\n")
    repo.commit()
    new = _files(repo, base)["new.yaml"]
    assert new.commentable == (LineRange(start=1, end=2),)
    assert new.context == ()
    assert new.old_line(1) is None


def test_modified_line_has_three_context_lines_each_side(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    repo.write("long.yaml", TWENTY.replace("line10\n", "line10 changed\n"))
    repo.commit()
    long = _files(repo, base)["long.yaml"]
    assert long.context == (ContextRun(start=7, old_start=7, count=3),
                            ContextRun(start=11, old_start=11, count=3))
    assert [long.old_line(n) for n in (6, 7, 9, 10, 11, 13, 14)] == [None, 7, 9, None, 11, 13, None]


def test_pure_deletion_hunk_is_all_context_on_the_head_side(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    repo.write("long.yaml", TWENTY.replace("line10\nline11\n", ""))
    repo.commit()
    long = _files(repo, base)["long.yaml"]
    assert long.commentable == (LineRange(start=7, end=12),)
    assert long.context == (ContextRun(start=7, old_start=7, count=3),
                            ContextRun(start=10, old_start=12, count=3))
    assert long.old_line(10) == 12


def test_two_hunks_shift_the_base_numbers(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    repo.write("long.yaml", "first\nsecond\n" + TWENTY.replace("line18\n", ""))
    repo.commit()
    long = _files(repo, base)["long.yaml"]
    assert long.context == (ContextRun(start=3, old_start=1, count=3),
                            ContextRun(start=17, old_start=15, count=3),
                            ContextRun(start=20, old_start=19, count=2))
    assert long.old_line(21) == 20


def test_rename_with_an_edit_keys_the_context_by_the_new_path(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    repo.git("mv", "long.yaml", "moved.yaml")
    repo.write("moved.yaml", TWENTY.replace("line20\n", "line20 edited\n"))
    repo.commit()
    moved = _files(repo, base)["moved.yaml"]
    assert moved.old_path == "long.yaml"
    assert moved.context == (ContextRun(start=17, old_start=17, count=3),)


def test_deleted_file_has_no_context(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    (repo.root / "README.md").unlink()
    repo.commit()
    assert _files(repo, base)["README.md"].context == ()


def test_paths_with_spaces_and_non_ascii(repo: GitRepo) -> None:
    names = ["with space.yaml", "caf\u00e9 \u00e9t\u00e9.yaml"]
    for name in names:
        repo.write(name, TWENTY)
    base = repo.commit()
    for name in names:
        repo.write(name, TWENTY.replace("line1\n", "line1 edited\n"))
    repo.commit()
    files = _files(repo, base)
    for name in names:
        assert files[name].context == (ContextRun(start=2, old_start=2, count=3),), name


def test_content_that_looks_like_headers_stays_content() -> None:
    patch = (b"diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n"
             b"@@ -1,3 +1,4 @@\n a\n+++ b/not-a-header.yaml\n-@@ -9 +9 @@\n+c\n d\n"
             b"\\ No newline at end of file\n")
    ranges, context = diff_lines(patch)["x.yaml"]
    assert ranges == (LineRange(start=1, end=4),)
    assert context == (ContextRun(start=1, old_start=1, count=1), ContextRun(start=4, old_start=3, count=1))
