"""Pull request files as GitHub lists them, from real git histories with awkward changes."""

from __future__ import annotations

from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.support.github_api.gitdata import line_mapper, patch_lines, pull_data


def test_renames_deletions_binaries_and_spaces(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    body = "".join(f"key{n}: {n}\n" for n in range(20))
    repo.write("old name.yaml", body)
    repo.write("gone.yaml", "a: 1\n")
    repo.write("logo.bin", b"\x00\x01\x02")
    base = repo.commit("base")
    repo.git("mv", "old name.yaml", "new name.yaml")
    repo.write("new name.yaml", body.replace("key5: 5", "key5: 50"))
    (repo.root / "gone.yaml").unlink()
    repo.write("logo.bin", b"\x00\x01\x03")
    head = repo.commit("head")
    files = {f.filename: f for f in pull_data(repo.root, base, head).files}
    renamed = files["new name.yaml"]
    assert (renamed.status, renamed.previous_filename, renamed.additions, renamed.deletions) == (
        "renamed", "old name.yaml", 1, 1)
    assert renamed.commentable_right == frozenset(range(3, 10))
    assert renamed.sha == repo.git("rev-parse", f"{head}:new name.yaml")
    gone = files["gone.yaml"]
    assert (gone.status, gone.sha, gone.deletions) == ("removed", None, 1)
    assert gone.commentable_right == frozenset()
    assert gone.commentable_left == frozenset({1})
    binary = files["logo.bin"]
    assert (binary.status, binary.patch, binary.commentable_right) == ("modified", None, frozenset())


def test_a_pure_rename_has_the_blob_and_no_patch(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("a.yaml", "a: 1\nb: 2\n")
    base = repo.commit("base")
    repo.git("mv", "a.yaml", "b.yaml")
    head = repo.commit("rename")
    (renamed,) = pull_data(repo.root, base, head).files
    assert (renamed.status, renamed.patch, renamed.previous_filename) == ("renamed", None, "a.yaml")
    assert renamed.sha == repo.git("rev-parse", f"{head}:b.yaml")


def test_the_diff_starts_at_the_merge_base(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("a.yaml", "a: 1\n")
    fork = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("b.yaml", "b: 1\n")
    head = repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("c.yaml", "c: 1\n")
    base = repo.commit("main moved on")
    data = pull_data(repo.root, base, head)
    assert data.merge_base == fork
    assert [f.filename for f in data.files] == ["b.yaml"]
    assert ([c.sha for c in data.commits], data.behind_by) == ([head], 1)


def test_lines_follow_insertions_and_changed_lines_are_lost(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("a.yaml", "".join(f"l{n}\n" for n in range(1, 11)))
    old = repo.commit("old")
    repo.write("a.yaml", "new0\n" + "".join(f"l{n}\n" for n in range(1, 11) if n != 4).replace("l7", "l7x"))
    new = repo.commit("new")
    follow = line_mapper(repo.root, old, new, "a.yaml")
    assert [follow(n) for n in range(1, 11)] == [2, 3, 4, None, 5, 6, None, 8, 9, 10]
    assert line_mapper(repo.root, old, new, "missing.yaml")(1) is None


def test_a_bare_repository_serves_the_same_data(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("a.yaml", "a: 1\n")
    base = repo.commit("base")
    repo.write("a.yaml", "a: 2\n")
    head = repo.commit("head")
    repo.git("clone", "-q", "--bare", str(repo.root), str(tmp_path / "bare.git"))
    worktree, bare = pull_data(repo.root, base, head), pull_data(tmp_path / "bare.git", base, head)
    assert bare == worktree
    assert [f.filename for f in bare.files] == ["a.yaml"]


def test_no_newline_markers_do_not_shift_line_numbers(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("a.yaml", "a: 1\nb: 2")
    base = repo.commit("base")
    repo.write("a.yaml", "a: 1\nb: 2\nc: 3\n")
    head = repo.commit("head")
    (changed,) = pull_data(repo.root, base, head).files
    assert "\\ No newline at end of file" in (changed.patch or "")
    assert changed.commentable_right == frozenset({1, 2, 3})
    numbered = [(text, new) for _, text, _, new in patch_lines(changed.patch or "")]
    assert numbered[-2:] == [("+b: 2", 2), ("+c: 3", 3)]
