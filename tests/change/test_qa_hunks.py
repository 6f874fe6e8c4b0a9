"""QA: commentable lines of files whose names git both quotes and ends with a tab.

git C-quotes a name with bytes outside ASCII (``core.quotePath=true``) and, when the name
holds a space, ends the ``+++`` line with a tab for patch(1): ``+++ "b/w\\303\\251b x.yaml"\\t``.
Such a file had no commentable lines, so no review comment could land on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from validator.change.diff_files import DIFF_OPTIONS
from validator.change.git import git
from validator.change.hunks import commentable_lines
from validator.change.model import LineRange


@pytest.mark.parametrize("name", ["apps/wéb ü/deploy.yaml", "apps/a b/deploy.yaml",
                                  "apps/wéb/deploy.yaml", 'apps/q"uote d/deploy.yaml'])
def test_a_quoted_name_with_a_space_keeps_its_lines(tmp_path: Path, name: str) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("README", "x\n")
    base = repo.commit("base")
    repo.write(name, "a: 1\nb: 2\n")
    head = repo.commit("head")
    patch = git(repo.root, "diff", *DIFF_OPTIONS, base, head).stdout
    assert commentable_lines(patch) == {name: (LineRange(start=1, end=2),)}
