"""The change between two revisions of real repositories: statuses, flags, commentable lines."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from validator.change.diff_files import read_change
from validator.change.model import Change, ChangeStatus, ContextRun, FileChange, LineRange
from validator.change.revisions import resolve_revisions

TWENTY = "".join(f"line{n}\n" for n in range(1, 21))


def _change(repo: GitRepo, base: str, *, worktree: bool = False) -> Change:
    return read_change(resolve_revisions(repo.root, base=base, worktree=worktree))


def _by_path(change: Change) -> dict[str, FileChange]:
    return {f.path: f for f in change.files}


def test_added_modified_deleted_with_their_lines(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    repo.write("long.yaml", TWENTY.replace("line10\n", "line10 changed\n"))
    repo.write("new.yaml", "a: 1\nb: 2\n")
    (repo.root / "README.md").unlink()
    head = repo.commit()
    change = _change(repo, base)
    assert (change.base, change.head) == (base, head)
    assert [f.path for f in change.files] == ["README.md", "long.yaml", "new.yaml"]
    files = _by_path(change)
    assert files["long.yaml"] == FileChange(path="long.yaml", status=ChangeStatus.MODIFIED,
                                            commentable=(LineRange(start=7, end=13),),
                                            context=(ContextRun(start=7, old_start=7, count=3),
                                                     ContextRun(start=11, old_start=11, count=3)))
    assert files["new.yaml"].status is ChangeStatus.ADDED
    assert files["new.yaml"].commentable == (LineRange(start=1, end=2),)
    assert files["README.md"] == FileChange(path="README.md", status=ChangeStatus.DELETED)


def test_two_hunks_and_a_change_at_the_end(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    repo.write("long.yaml", "first\n" + TWENTY + "last\n")
    repo.commit()
    assert _by_path(_change(repo, base))["long.yaml"].commentable == (
        LineRange(start=1, end=4), LineRange(start=19, end=22))


def test_rename_with_edits_and_a_pure_rename(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    repo.write("same.yaml", TWENTY.replace("line", "same"))
    base = repo.commit()
    (repo.root / "moved").mkdir()
    repo.git("mv", "long.yaml", "moved/long.yaml")
    repo.git("mv", "same.yaml", "same-renamed.yaml")
    repo.write("moved/long.yaml", TWENTY.replace("line20\n", "line20 edited\n"))
    repo.commit()
    files = _by_path(_change(repo, base))
    moved = files["moved/long.yaml"]
    assert (moved.status, moved.old_path) == (ChangeStatus.RENAMED, "long.yaml")
    assert 80 <= moved.similarity < 100
    assert moved.commentable == (LineRange(start=17, end=20),)
    pure = files["same-renamed.yaml"]
    assert (pure.status, pure.old_path, pure.similarity, pure.commentable) == (
        ChangeStatus.RENAMED, "same.yaml", 100, ())
    assert "long.yaml" in _change(repo, base).paths


def test_mode_only_and_type_changes(repo: GitRepo) -> None:
    repo.write("run.sh", "echo hi\n")
    repo.write("link.yaml", "a: 1\n")
    repo.write("both.sh", "echo 1\n")
    base = repo.commit()
    (repo.root / "run.sh").chmod(0o755)
    (repo.root / "both.sh").chmod(0o755)
    repo.write("both.sh", "echo 2\n")
    (repo.root / "link.yaml").unlink()
    (repo.root / "link.yaml").symlink_to("apps/web/deploy.yaml")
    repo.commit()
    files = _by_path(_change(repo, base))
    assert files["run.sh"] == FileChange(path="run.sh", status=ChangeStatus.MODE_CHANGED)
    assert files["both.sh"].status is ChangeStatus.MODIFIED
    assert files["link.yaml"].status is ChangeStatus.TYPE_CHANGED


def test_binary_files_and_submodules_are_flagged(repo: GitRepo, tmp_path: Path) -> None:
    library = GitRepo.init(tmp_path / "library")
    library.write("lib.yaml", "a: 1\n")
    library.commit()
    repo.write("image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    base = repo.commit()
    repo.write("image.png", b"\x89PNG\r\n\x1a\n\x00\x01")
    repo.write("blob.bin", b"\x00\x01\x02")
    repo.git("submodule", "add", "-q", str(library.root), "vendor/library")
    repo.commit()
    files = _by_path(_change(repo, base))
    assert files["image.png"] == FileChange(path="image.png", status=ChangeStatus.MODIFIED, binary=True)
    assert files["blob.bin"].binary
    assert files["blob.bin"].commentable == ()
    sub = files["vendor/library"]
    assert (sub.status, sub.submodule, sub.commentable) == (ChangeStatus.ADDED, True, ())
    assert not files[".gitmodules"].submodule


def test_odd_contents_no_newline_and_crlf(repo: GitRepo) -> None:
    repo.write("nonl.yaml", "a: 1\nb: 2")
    repo.write("crlf.yaml", "a: 1\r\nb: 2\r\nc: 3\r\n")
    base = repo.commit()
    repo.write("nonl.yaml", "a: 1\nb: 3")
    repo.write("crlf.yaml", "a: 1\r\nb: 20\r\nc: 3\r\nd: 4\r\n")
    repo.commit()
    files = _by_path(_change(repo, base))
    assert files["nonl.yaml"].commentable == (LineRange(start=1, end=2),)
    assert files["crlf.yaml"].commentable == (LineRange(start=1, end=4),)


def test_odd_paths_spaces_quotes_newlines_non_utf8(repo: GitRepo) -> None:
    names = ["with space.yaml", 'quo"te.yaml', "tab\there.yaml", "new\nline.yaml", "caf\u00e9.yaml",
             "b/inner.yaml", "+++ b.yaml", "back\\slash.yaml"]
    raw_name = b"latin1-\xe9.yaml".decode("utf-8", "surrogateescape")
    base = repo.git("rev-parse", "HEAD")
    for name in [*names, raw_name]:
        repo.write(name, "x: 1\ny: 2\n")
    repo.write("edit.yaml", "+++ b/with space.yaml\n")
    repo.commit()
    files = _by_path(_change(repo, base))
    assert set(files) == {*names, raw_name, "edit.yaml"}
    for name in [*names, raw_name]:
        assert files[name].commentable == (LineRange(start=1, end=2),), name
    assert files["edit.yaml"].commentable == (LineRange(start=1, end=1),)


def test_worktree_mode_sees_uncommitted_and_untracked_files(repo: GitRepo, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    base = repo.git("rev-parse", "HEAD")
    repo.write(".gitignore", "secret.yaml\n")
    repo.write("secret.yaml", "token: x\n")
    repo.write("apps/web/deploy.yaml", "kind: Deployment\nmetadata:\n  name: web2\n")
    repo.write("untracked dir/new.yaml", "n: 1\n")
    repo.write("staged.yaml", "s: 1\n")
    repo.git("add", "staged.yaml")
    (repo.root / "README.md").unlink()
    index_before = (repo.root / ".git" / "index").read_bytes()
    status_before = repo.git("status", "--porcelain=v1", "-z")
    change = _change(repo, base, worktree=True)
    assert change.head == "WORKTREE"
    files = _by_path(change)
    assert set(files) == {".gitignore", "apps/web/deploy.yaml", "untracked dir/new.yaml", "staged.yaml",
                          "README.md"}
    assert files["untracked dir/new.yaml"].status is ChangeStatus.ADDED
    assert files["untracked dir/new.yaml"].commentable == (LineRange(start=1, end=1),)
    assert files["apps/web/deploy.yaml"].commentable == (LineRange(start=1, end=3),)
    assert files["README.md"].status is ChangeStatus.DELETED
    # the user's index and status are as they were: the untracked file is still untracked
    assert (repo.root / ".git" / "index").read_bytes() == index_before
    assert repo.git("status", "--porcelain=v1", "-z") == status_before
    assert list(temporary.iterdir()) == []  # the temporary index is gone


def test_worktree_mode_with_nothing_changed(repo: GitRepo) -> None:
    assert _change(repo, "HEAD", worktree=True).files == ()


def test_worktree_mode_detects_a_rename(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    base = repo.commit()
    (repo.root / "long.yaml").rename(repo.root / "renamed.yaml")
    files = _by_path(_change(repo, base, worktree=True))
    assert files["renamed.yaml"].status is ChangeStatus.RENAMED
    assert files["renamed.yaml"].old_path == "long.yaml"


def test_the_users_git_configuration_changes_nothing(repo: GitRepo) -> None:
    repo.write("long.yaml", TWENTY)
    repo.write("caf\u00e9 space.yaml", "a: 1\n")
    base = repo.commit()
    repo.write("long.yaml", TWENTY.replace("line10\n", "line10 changed\n"))
    repo.write("caf\u00e9 space.yaml", "a: 2\n")
    repo.write(".gitattributes", "*.yaml diff=upper\n")
    repo.commit()
    expected = _by_path(_change(repo, base))
    for key, value in [("diff.upper.textconv", "sed s/line/LINE\\\\n/"), ("diff.external", "false"),
                       ("core.quotePath", "false"), ("diff.noprefix", "true"), ("diff.context", "10"),
                       ("diff.mnemonicPrefix", "true"), ("color.ui", "always"), ("color.diff", "always"),
                       ("diff.renames", "false"), ("diff.relative", "true"), ("diff.submodule", "log"),
                       ("diff.interHunkContext", "20"), ("status.showUntrackedFiles", "no")]:
        repo.git("config", key, value)
    assert _by_path(_change(repo, base)) == expected
    assert expected["long.yaml"].commentable == (LineRange(start=7, end=13),)


def test_worktree_mode_with_untracked_names_that_look_like_patterns(repo: GitRepo) -> None:
    repo.write(".gitignore", "ignored*.yaml\n")
    repo.commit()
    for name in ("*.yaml", "[ab].yaml", ":(glob)x.yaml", "ignored-not-really?.yml"):
        repo.write(name, "a: 1\n")
    repo.write("ignored-secret.yaml", "token: x\n")
    files = _by_path(_change(repo, "HEAD", worktree=True))
    assert set(files) == {"*.yaml", "[ab].yaml", ":(glob)x.yaml", "ignored-not-really?.yml"}


def test_worktree_mode_with_an_untracked_nested_repository(repo: GitRepo, tmp_path: Path) -> None:
    nested = GitRepo.init(repo.root / "nested")
    nested.write("n.yaml", "n: 1\n")
    nested.commit()
    files = _by_path(_change(repo, "HEAD", worktree=True))
    assert set(files) == {"nested"}
    assert files["nested"].submodule
    assert repo.git("status", "--porcelain=v1") == "?? nested/"


def test_worktree_mode_sees_a_same_size_edit_made_in_the_second_of_the_commit(repo: GitRepo) -> None:
    """Git trusts an index entry whose stat data match the file unless the entry is racily
    clean (the file is not older than the index); a copy of the index made later must keep
    the index's time, or such an edit is missed (git compares times in whole seconds)."""
    time.sleep(1 - time.time() % 1 + 0.01)  # the start of a second: commit and edit within it
    repo.write("cm.yaml", "value: 1\n")
    base = repo.commit("base")
    repo.write("cm.yaml", "value: 2\n")
    time.sleep(1.1)  # the change is read in a later second than the index was written
    assert [(f.path, f.status) for f in _change(repo, base, worktree=True).files] == [
        ("cm.yaml", ChangeStatus.MODIFIED)]
