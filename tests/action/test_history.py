"""Commits an event names but the checkout lacks are fetched (depth-limited), or explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from validator.action.history import ensure_commits, head_lines_reader
from validator.errors import ChangeError


@pytest.fixture(autouse=True)
def _no_user_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def _origin(tmp_path: Path) -> tuple[GitRepo, list[str]]:
    origin = GitRepo.init(tmp_path / "origin")
    shas = []
    for index in range(3):
        origin.write("apps/web.yaml", f"kind: ConfigMap\nmetadata:\n  name: web-{index}\n")
        shas.append(origin.commit(f"commit {index}"))
    origin.git("config", "uploadpack.allowAnySHA1InWant", "true")
    return origin, shas


def _shallow_clone(origin: GitRepo, tmp_path: Path) -> GitRepo:
    clone = GitRepo(root=tmp_path / "clone")
    origin.git("clone", "-q", "--depth", "1", "--no-local", f"file://{origin.root}", str(clone.root))
    return clone


def test_commits_present_need_no_fetch(tmp_path: Path) -> None:
    origin, shas = _origin(tmp_path)
    said: list[str] = []
    ensure_commits(origin.root, shas, log=said.append)
    assert said == []


def test_missing_commits_of_a_shallow_clone_are_fetched_and_the_log_says_so(tmp_path: Path) -> None:
    origin, shas = _origin(tmp_path)
    clone = _shallow_clone(origin, tmp_path)
    said: list[str] = []
    ensure_commits(clone.root, [shas[0], shas[2]], log=said.append)
    assert clone.git("cat-file", "-t", shas[0]) == "commit"
    assert len(said) == 1
    assert shas[0][:12] in said[0]
    assert "depth" in said[0]
    assert shas[2][:12] not in said[0]  # it was there already


def test_a_commit_origin_does_not_have_is_one_line_telling_fetch_depth_0(tmp_path: Path) -> None:
    origin, _ = _origin(tmp_path)
    clone = _shallow_clone(origin, tmp_path)
    with pytest.raises(ChangeError) as caught:
        ensure_commits(clone.root, ["e" * 40], log=lambda _line: None)
    assert "fetch-depth: 0" in str(caught.value)
    assert "e" * 12 in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_workspace_that_is_not_a_checkout_says_to_check_out(tmp_path: Path) -> None:
    with pytest.raises(ChangeError, match="actions/checkout"):
        ensure_commits(tmp_path, ["e" * 40], log=lambda _line: None)


def test_head_lines_come_from_the_commit_not_the_workspace(tmp_path: Path) -> None:
    origin, shas = _origin(tmp_path)
    origin.write("apps/web.yaml", "edited in the workspace\n")
    lines = head_lines_reader(origin.root, shas[1])
    assert lines("apps/web.yaml") == ("kind: ConfigMap", "metadata:", "  name: web-1")
    assert lines("apps/missing.yaml") is None
    assert lines("--output=x") is None
