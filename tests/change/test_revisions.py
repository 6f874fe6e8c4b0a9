"""Resolving --base, --head and --worktree on real repositories, and the one-line errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from validator.change.revisions import WORKTREE, resolve_revisions
from validator.errors import ChangeError, ValidatorError


def test_default_base_is_the_merge_base_with_main(repo: GitRepo) -> None:
    fork = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("apps/web/deploy.yaml", "kind: Deployment\n")
    head = repo.commit("feature work")
    repo.git("checkout", "-q", "main")
    repo.write("other.yaml", "a: 1\n")
    repo.commit("main moves on")
    repo.git("checkout", "-q", "feature")
    revisions = resolve_revisions(repo.root / "apps")
    assert (revisions.repo, revisions.base, revisions.head) == (repo.root, fork, head)
    assert revisions.base_ref == "merge-base HEAD main"


def test_origin_head_is_preferred_then_master(tmp_path: Path) -> None:
    upstream = GitRepo.init(tmp_path / "upstream", branch="trunk")
    upstream.write("a.yaml", "a: 1\n")
    first = upstream.commit("first")
    clone = GitRepo(root=tmp_path / "clone")
    upstream.git("clone", "-q", str(upstream.root), str(clone.root))
    clone.git("checkout", "-q", "-b", "work")
    clone.write("a.yaml", "a: 2\n")
    clone.commit("work")
    assert resolve_revisions(clone.root).base == first
    assert resolve_revisions(clone.root).base_ref == "merge-base HEAD origin/HEAD"

    old = GitRepo.init(tmp_path / "old", branch="master")
    old.write("a.yaml", "a: 1\n")
    only = old.commit()
    assert resolve_revisions(old.root).base == only


def test_explicit_refs_and_worktree(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("tag", "v1")
    repo.write("x.yaml", "x: 1\n")
    head = repo.commit()
    revisions = resolve_revisions(repo.root, base="v1", head="main")
    assert (revisions.base, revisions.head, revisions.base_ref) == (base, head, "v1")
    worktree = resolve_revisions(repo.root, base="HEAD~1", worktree=True)
    assert (worktree.base, worktree.head, worktree.worktree) == (base, WORKTREE, True)


def test_a_ref_that_does_not_exist(repo: GitRepo) -> None:
    with pytest.raises(ChangeError, match=r"^revision 'no-such-branch' does not exist in .*"
                       r"\(`git fetch origin no-such-branch`\)$") as caught:
        resolve_revisions(repo.root, base="no-such-branch")
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValidatorError)


def test_an_option_is_not_a_ref(repo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(ChangeError, match="is not a git revision"):
        resolve_revisions(repo.root, base=f"--output={tmp_path / 'written'}")
    assert not (tmp_path / "written").exists()


def test_head_and_worktree_exclude_each_other(repo: GitRepo) -> None:
    with pytest.raises(ChangeError, match="exclude each other"):
        resolve_revisions(repo.root, head="HEAD", worktree=True)


def test_a_folder_that_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ChangeError, match=r"^.*plain is not in a git repository: diff and targets"):
        resolve_revisions(plain)
    with pytest.raises(ChangeError, match="is not a folder"):
        resolve_revisions(tmp_path / "missing")


def test_no_default_branch(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "r", branch="trunk")
    repo.write("a.yaml", "a: 1\n")
    repo.commit()
    with pytest.raises(ChangeError, match=r"no default branch .*: pass --base REF$"):
        resolve_revisions(repo.root)


def test_unrelated_histories(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "--orphan", "other")
    repo.write("b.yaml", "b: 1\n")
    repo.commit("unrelated")
    with pytest.raises(ChangeError, match="HEAD and main have no common history: pass --base REF"):
        resolve_revisions(repo.root)


def _shallow_clone(tmp_path: Path) -> tuple[GitRepo, str, str]:
    upstream = GitRepo.init(tmp_path / "upstream")
    upstream.write("a.yaml", "a: 1\n")
    base = upstream.commit("base")
    upstream.git("checkout", "-q", "-b", "pr")
    upstream.write("a.yaml", "a: 2\n")
    head = upstream.commit("pr")
    clone = GitRepo(root=tmp_path / "clone")
    upstream.git("clone", "-q", "--depth", "1", "--branch", "pr", f"file://{upstream.root}", str(clone.root))
    return clone, base, head


def test_a_shallow_clone_lacking_the_base_commit(tmp_path: Path) -> None:
    clone, base, head = _shallow_clone(tmp_path)
    assert resolve_revisions(clone.root, base=head).head == head
    with pytest.raises(ChangeError, match=rf"^revision '{base}' is not in this shallow clone: fetch it "
                       rf"\(`git fetch origin {base}`\) or .*`fetch-depth: 0`"):
        resolve_revisions(clone.root, base=base)


def test_a_shallow_clone_without_the_merge_base(tmp_path: Path) -> None:
    clone, _base, _head = _shallow_clone(tmp_path)
    clone.git("remote", "set-head", "origin", "--delete")  # as in CI checkouts: no origin/HEAD
    clone.git("fetch", "-q", "--depth", "1", "origin", "main:main")
    with pytest.raises(ChangeError, match=r"^HEAD and main have no common commit in this shallow clone: "
                       r".*`fetch-depth: 0`.*`git fetch origin main`"):
        resolve_revisions(clone.root)


@pytest.mark.skipif(os.geteuid() != 0, reason="handing the repository to another user needs root")
def test_a_repository_owned_by_another_user(repo: GitRepo) -> None:
    shutil.chown(repo.root, user="nobody")
    for path in repo.root.rglob("*"):
        shutil.chown(path, user="nobody")
    with pytest.raises(ChangeError, match=r"it is owned by another user; trust it with "
                       r"`git config --global --add safe.directory .*/repo`$"):
        resolve_revisions(repo.root)
