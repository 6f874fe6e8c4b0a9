"""Revisions materialised in a temporary folder: as committed, removed at exit, the checkout untouched."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from validator.change import snapshot
from validator.change.revisions import WORKTREE
from validator.change.snapshot import materialise
from validator.errors import ChangeError

LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")


def _snapshot(repo: GitRepo) -> tuple[str, str, bytes]:
    """What the user sees of their checkout: status, worktree list, index bytes."""
    return (repo.git("status", "--porcelain=v1", "-z", "--untracked-files=all"),
            repo.git("worktree", "list", "--porcelain"), (repo.root / ".git" / "index").read_bytes())


def _files(folder: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = f"-> {path.readlink()}"
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


def interrupt_on_third_write(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the snapshot writer send this process a real SIGINT (as a terminal's Ctrl-C
    does) right after its third file; the paths written so far are returned, and grow."""
    written: list[str] = []
    real_write = snapshot.write_file

    def write_then_interrupt(folder: Path, path: str, content: bytes, *, executable: bool,
                             made: set[Path] | None = None) -> None:
        real_write(folder, path, content, executable=executable, made=made)
        written.append(path)
        if len(written) == 3:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(snapshot, "write_file", write_then_interrupt)
    return written


def test_a_revision_as_committed_and_removed_at_exit(repo: GitRepo, tmp_path: Path) -> None:
    library = GitRepo.init(tmp_path / "library")
    library.write("lib.yaml", "a: 1\n")
    library.commit()
    repo.write("crlf.yaml", b"a: 1\r\nb: 2\r\n")
    repo.write("run.sh", "echo hi\n").chmod(0o755)
    repo.write(b"caf\xe9 with space.yaml", "c: 1\n")
    repo.write("big.yaml", LFS_POINTER)
    # attributes of the revision itself must change nothing: no export-ignore, no subst, no filter
    repo.write(".gitattributes", "hidden.yaml export-ignore\nbig.yaml filter=lfs\n"
                                 "subst.yaml export-subst\n")
    repo.write("hidden.yaml", "kind: Secret\n")
    repo.write("subst.yaml", "v: $Format:%H$\n")
    (repo.root / "link.yaml").symlink_to("apps/web/deploy.yaml")
    (repo.root / "outside.yaml").symlink_to("/etc/passwd")
    repo.git("submodule", "add", "-q", str(library.root), "vendor/library")
    sha = repo.commit("everything")
    repo.write("apps/web/deploy.yaml", "dirty: edit\n")  # a dirty checkout stays as it is
    before = _snapshot(repo)
    parent = tmp_path / "materialised"
    parent.mkdir()
    with materialise(repo.root, sha, parent=parent) as folder:
        files = _files(folder)
        assert files["crlf.yaml"] == b"a: 1\r\nb: 2\r\n"
        assert files["big.yaml"] == LFS_POINTER
        assert files["hidden.yaml"] == b"kind: Secret\n"
        assert files["subst.yaml"] == b"v: $Format:%H$\n"
        assert files["apps/web/deploy.yaml"] == b"kind: Deployment\nmetadata:\n  name: web\n"
        assert files["caf\udce9 with space.yaml"] == b"c: 1\n"
        assert files["link.yaml"] == "-> apps/web/deploy.yaml"
        assert files["outside.yaml"] == "-> /etc/passwd"
        assert os.access(folder / "run.sh", os.X_OK)
        assert not os.access(folder / "crlf.yaml", os.X_OK)
        assert not (folder / "vendor" / "library").exists()
        assert not (folder / ".git").exists()
        assert _snapshot(repo) == before
    assert list(parent.iterdir()) == []
    assert _snapshot(repo) == before


def test_removed_on_errors_and_ctrl_c_in_the_block(repo: GitRepo, tmp_path: Path) -> None:
    sha = repo.git("rev-parse", "HEAD")
    with pytest.raises(RuntimeError), materialise(repo.root, sha, parent=tmp_path) as folder:
        raise RuntimeError("boom")
    assert not folder.exists()
    with pytest.raises(KeyboardInterrupt), materialise(repo.root, sha, parent=tmp_path) as folder:
        os.kill(os.getpid(), signal.SIGINT)
    assert not folder.exists()


def test_ctrl_c_during_materialisation_leaves_nothing(repo: GitRepo, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(10):
        repo.write(f"many/file{n}.yaml", f"n: {n}\n")
    sha = repo.commit()
    before = _snapshot(repo)
    written = interrupt_on_third_write(monkeypatch)
    parent = tmp_path / "materialised"
    parent.mkdir()
    with pytest.raises(KeyboardInterrupt), materialise(repo.root, sha, parent=parent):
        pytest.fail("the block must not run")
    assert len(written) == 3
    assert list(parent.iterdir()) == []
    assert _snapshot(repo) == before


def test_the_working_tree(repo: GitRepo, tmp_path: Path) -> None:
    repo.write(".gitignore", "secret.yaml\n")
    repo.write("gone.yaml", "g: 1\n")
    repo.commit()
    repo.write("secret.yaml", "token: x\n")
    repo.write("untracked.yaml", "u: 1\n")
    repo.write("apps/web/deploy.yaml", "edited: true\n")
    (repo.root / "gone.yaml").unlink()
    before = _snapshot(repo)
    with materialise(repo.root, WORKTREE, parent=tmp_path) as folder:
        assert _files(folder) == {".gitignore": b"secret.yaml\n", "README.md": b"# repo\n",
                                  "apps/web/deploy.yaml": b"edited: true\n", "untracked.yaml": b"u: 1\n"}
    assert not folder.exists()
    assert _snapshot(repo) == before


def _crafted_commit(repo: GitRepo, tree_lines: str) -> str:
    blob = repo.git("hash-object", "-w", "--stdin", stdin=b"pwned: true\n")
    tree = repo.git("mktree", stdin=tree_lines.replace("BLOB", blob).encode())
    return repo.git("commit-tree", tree, "-m", "crafted")


@pytest.mark.parametrize("name", ["..", ".git", ".GIT"])
def test_a_crafted_tree_cannot_write_outside(repo: GitRepo, tmp_path: Path, name: str) -> None:
    sha = _crafted_commit(repo, f"100644 blob BLOB\t{name}\n")
    with pytest.raises(ChangeError, match=f"refusing the path '{name}' of this revision"), \
            materialise(repo.root, sha, parent=tmp_path):
        pytest.fail("the block must not run")
    assert list(tmp_path.glob("gitops-validator-rev-*")) == []


def test_a_crafted_tree_cannot_write_through_a_symlink(repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = repo.git("hash-object", "-w", "--stdin", stdin=str(outside).encode())
    inner = repo.git("mktree", stdin=f"100644 blob {repo.git('hash-object', '-w', '--stdin', stdin=b'x')}"
                     "\tpwned.yaml\n".encode())
    sha = _crafted_commit(repo, f"120000 blob {link}\tout\n040000 tree {inner}\tout\n100644 blob BLOB\tdup\n"
                          "100644 blob BLOB\tdup\n")
    parent = tmp_path / "materialised"
    parent.mkdir()
    with pytest.raises(ChangeError, match="cannot materialise"), materialise(repo.root, sha, parent=parent):
        pytest.fail("the block must not run")
    assert list(outside.iterdir()) == []
    assert list(parent.iterdir()) == []


def test_a_missing_revision(repo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(ChangeError, match="git ls-tree failed"), \
            materialise(repo.root, "0" * 40, parent=tmp_path):
        pytest.fail("the block must not run")
    assert list(tmp_path.glob("gitops-validator-rev-*")) == []


def test_the_working_tree_with_an_untracked_nested_repository(repo: GitRepo, tmp_path: Path) -> None:
    nested = GitRepo.init(repo.root / "nested")
    nested.write("n.yaml", "n: 1\n")
    nested.commit()
    with materialise(repo.root, WORKTREE, parent=tmp_path) as folder:
        assert set(_files(folder)) == {"README.md", "apps/web/deploy.yaml"}


@pytest.mark.parametrize("revision", ["HEAD", "--output=/tmp/x", "abc123"])
def test_only_resolved_commits_are_materialised(repo: GitRepo, tmp_path: Path, revision: str) -> None:
    with pytest.raises(ChangeError, match="is not a resolved commit"), \
            materialise(repo.root, revision, parent=tmp_path):
        pytest.fail("the block must not run")
    assert list(tmp_path.glob("gitops-validator-rev-*")) == []
