"""Security: the head under review cannot move ``diff``'s validated root.

The root is the nearest folder at or above the folder given that holds a configuration in
the *trusted* revision; the folder given is read from the working tree, which holds the head.
A head that replaces that folder with a symbolic link must not make the root search start
somewhere else (a folder with a laxer configuration, or the top without one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from tests.cli.test_diff_cli import APP, SAFE, deployment
from validator.cli.main import main

CONFIG = "settings:\n  policies: [builtin]\nrules:\n  K8S-007: off\n"


def test_a_folder_the_head_makes_a_symlink_does_not_move_the_validated_root(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo.init(tmp_path / "mono")
    repo.write("gitops/.gitops-validator.yaml", CONFIG)
    repo.write("gitops/apps/web.yaml", deployment("web", SAFE))
    repo.write("other/apps/web.yaml", deployment("web", SAFE))
    base = repo.commit("base")
    shutil.rmtree(repo.root / "gitops")
    repo.write("other/apps/web.yaml", deployment("web", APP))
    (repo.root / "gitops").symlink_to("other")  # the head: gitops now leads to other/
    repo.commit("a pull request that moves the folder it is checked from")
    monkeypatch.chdir(repo.root)
    result = CliRunner().invoke(main, ["diff", "gitops", "--base", base, "--no-progress",
                                       "--jobs", "2", "-o", "json"])
    assert result.output.startswith("{"), result.output
    document = json.loads(result.output)
    assert document["change"]["root"] == "gitops"
    assert result.exit_code == 1
    assert "K8S-001" in {f["rule_id"] for f in document["findings"]}
