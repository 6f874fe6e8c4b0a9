"""A revision written on demand (``lazy_snapshot``) and shrunk while in use (``prune``): the
same safety as a full snapshot: checked paths, no write through a symlink, removal on
errors and Ctrl-C, nothing removed outside the folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from tests.change.test_snapshot import interrupt_on_third_write
from validator.change.snapshot import lazy_snapshot, list_tree, prune
from validator.errors import ChangeError


def _tree(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def _crafted_commit(repo: GitRepo, tree_lines: str) -> str:
    blob = repo.git("hash-object", "-w", "--stdin", stdin=b"pwned: true\n")
    tree = repo.git("mktree", stdin=tree_lines.replace("BLOB", blob).encode())
    return repo.git("commit-tree", tree, "-m", "crafted")


def test_only_the_files_asked_for_are_written(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("apps/a/deploy.yaml", "a: 1\n")
    repo.write("apps/b/deploy.yaml", "b: 1\n")
    repo.write("run.sh", "echo hi\n").chmod(0o755)
    (repo.root / "link.yaml").symlink_to("apps/a/deploy.yaml")
    sha = repo.commit()
    with lazy_snapshot(repo.root, sha, parent=tmp_path) as lazy:
        assert _tree(lazy.root) == set()
        lazy.write(["apps/a/deploy.yaml", "link.yaml", "not/in/the/revision.yaml"])
        assert _tree(lazy.root) == {"apps", "apps/a", "apps/a/deploy.yaml", "link.yaml"}
        assert (lazy.root / "link.yaml").read_bytes() == b"a: 1\n"
        lazy.write(lazy.under(["apps"]))  # again: what is written already is left alone
        lazy.write(["run.sh"])
        assert lazy.written == {"apps/a/deploy.yaml", "apps/b/deploy.yaml", "apps/web/deploy.yaml",
                                "link.yaml", "run.sh"}
        assert os.access(lazy.root / "run.sh", os.X_OK)
        lazy.write()
        assert set(lazy.entries) <= _tree(lazy.root)
        folder = lazy.root
    assert not folder.exists()


def test_every_path_is_checked_before_anything_is_written(repo: GitRepo, tmp_path: Path) -> None:
    sha = _crafted_commit(repo, "100644 blob BLOB\tfine.yaml\n100644 blob BLOB\t..\n")
    with pytest.raises(ChangeError, match=r"refusing the path '\.\.'"), \
            lazy_snapshot(repo.root, sha, parent=tmp_path):
        pytest.fail("the block must not run")
    assert list(tmp_path.glob("gitops-validator-rev-*")) == []


def test_a_later_write_never_goes_through_an_earlier_symlink(repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = repo.git("hash-object", "-w", "--stdin", stdin=str(outside).encode())
    inner = repo.git("mktree", stdin=f"100644 blob {repo.git('hash-object', '-w', '--stdin', stdin=b'x')}"
                     "\tpwned.yaml\n".encode())
    sha = _crafted_commit(repo, f"120000 blob {link}\tout\n040000 tree {inner}\tout\n")
    parent = tmp_path / "snapshots"
    parent.mkdir()
    with lazy_snapshot(repo.root, sha, parent=parent) as lazy:
        lazy.write(["out"])  # the symlink first, in its own call
        assert (lazy.root / "out").is_symlink()
        with pytest.raises(ChangeError, match="out is not a folder in this revision"):
            lazy.write(["out/pwned.yaml"])
    assert list(outside.iterdir()) == []
    assert list(parent.iterdir()) == []


def test_ctrl_c_during_a_lazy_write_leaves_nothing(repo: GitRepo, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(10):
        repo.write(f"many/file{n}.yaml", f"n: {n}\n")
    sha = repo.commit()
    written = interrupt_on_third_write(monkeypatch)
    parent = tmp_path / "snapshots"
    parent.mkdir()

    def write_all() -> None:  # the interruption passes through the snapshot's exit
        with lazy_snapshot(repo.root, sha, parent=parent) as lazy:
            lazy.write(lazy.under(["many"]))

    with pytest.raises(KeyboardInterrupt):
        write_all()
    assert len(written) == 3
    assert list(parent.iterdir()) == []


def test_prune_removes_only_listed_paths_and_never_what_a_link_points_at(
        repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("keep: me\n")
    repo.write("apps/a/deploy.yaml", "a: 1\n")
    repo.write("apps/a/deeper/patch.yaml", "p: 1\n")
    repo.write("apps/b/deploy.yaml", "b: 1\n")
    (repo.root / "apps" / "out.yaml").symlink_to(outside)
    sha = repo.commit()
    with lazy_snapshot(repo.root, sha, parent=tmp_path) as lazy:
        lazy.write()
        (lazy.root / "apps" / "b" / "extra.yaml").write_text("not in the listing\n")
        entries = {e.path: e for e in list_tree(repo.root, sha)}
        prune(lazy.root, entries, ["apps/a/deploy.yaml", "apps/a/deeper/patch.yaml", "apps/out.yaml",
                                   "apps/b/deploy.yaml", "apps/b/extra.yaml", "../outside.yaml"],
              threading.Event())
        assert _tree(lazy.root) == {"README.md", "apps", "apps/b", "apps/b/extra.yaml", "apps/web",
                                    "apps/web/deploy.yaml"}
    assert outside.read_text() == "keep: me\n"


def test_prune_stops_when_told(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("a.yaml", "a: 1\n")
    sha = repo.commit()
    stop = threading.Event()
    stop.set()
    with lazy_snapshot(repo.root, sha, parent=tmp_path) as lazy:
        lazy.write()
        prune(lazy.root, lazy.entries, ["a.yaml"], stop)
        assert (lazy.root / "a.yaml").is_file()
