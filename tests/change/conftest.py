"""Fixtures of the change tests: git runs without the machine's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def _no_user_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The validator's own git calls get an empty HOME (no ~/.gitconfig)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A repository with one commit on ``main``."""
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("apps/web/deploy.yaml", "kind: Deployment\nmetadata:\n  name: web\n")
    repo.write("README.md", "# repo\n")
    repo.commit("base")
    return repo
