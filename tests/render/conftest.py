"""Fixtures for the render tests: a writable copy of the sample repository, a shared render."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.render.helpers import SAMPLE_REPO, render_repo
from validator.render import RenderResult


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the sample repository (tests add broken files to it)."""
    target = tmp_path / "repo"
    shutil.copytree(SAMPLE_REPO, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def sample_render() -> RenderResult:
    """The sample repository rendered once (read-only use)."""
    return render_repo(SAMPLE_REPO)
