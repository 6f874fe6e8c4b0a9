"""The pre-commit hook: it parses with the fields pre-commit needs, and its entry really judges
the staged change of a repository (real git, real OPA)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.action.scenario import REPO_ROOT, deployment
from tests.change.gitrepo import GIT_TEST_ENV, GitRepo
from validator.process import Command, run

#: pre-commit's own schema (pre_commit/clientlib.py MANIFEST_HOOK_DICT): required keys, and
#: the languages it knows.
REQUIRED = {"id", "name", "entry", "language"}
LANGUAGES = {"conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang",
             "haskell", "julia", "lua", "node", "perl", "pygrep", "python", "r", "ruby", "rust",
             "script", "swift", "system", "unsupported", "unsupported_script"}
STAGES = {"commit-msg", "post-checkout", "post-commit", "post-merge", "post-rewrite", "pre-commit",
          "pre-merge-commit", "pre-push", "pre-rebase", "prepare-commit-msg", "manual"}


def _hooks() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(loaded, list)
    return loaded


def test_the_hook_file_has_what_pre_commit_needs() -> None:
    hooks = _hooks()
    assert [hook["id"] for hook in hooks] == ["gitops-validator-diff"]
    hook = hooks[0]
    assert hook.keys() >= REQUIRED
    assert hook["language"] in LANGUAGES
    assert hook["pass_filenames"] is False
    assert set(hook["stages"]) <= STAGES
    assert shlex.split(hook["entry"]) == ["gitops-validator", "diff", "--worktree"]


@pytest.mark.parametrize(("privileged", "expected"), [(True, 1), (False, 0)])
def test_the_hook_entry_judges_the_staged_change(tmp_path: Path, privileged: bool, expected: int) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("apps/web/deploy.yaml", deployment("web"))
    repo.write(".gitops-validator.yaml", "settings:\n  policies: [builtin]\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("apps/web/deploy.yaml", deployment("web", privileged=privileged).replace(
        "replicas: 2", "replicas: 3"))
    repo.git("add", "-A")
    (tmp_path / "home").mkdir()
    entry = shlex.split(_hooks()[0]["entry"])
    command = (sys.executable, "-m", "validator", *entry[1:])  # the console script, from this tree
    tools = os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", "")
    result = run(Command(args=command, cwd=repo.root, ok_codes=frozenset({0, 1, 2}), timeout=300,
                         env={**GIT_TEST_ENV, "HOME": str(tmp_path / "home"),
                              "PYTHONPATH": str(REPO_ROOT), "GITOPS_VALIDATOR_TOOLS_DIR": tools}))
    assert result.returncode == expected, result.stderr
    assert ("K8S-001" in result.stdout.decode()) is privileged
