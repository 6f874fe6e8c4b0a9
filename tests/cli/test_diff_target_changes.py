"""JSON ``targets[]`` of a diff: for each rendered target, the changed files that made it
affected with how each changed (``changes``), beside the paths-only ``changed_files``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from tests.cli.test_diff_cli import APP, SAFE, deployment
from validator.cli.main import main


def test_each_target_lists_its_changed_files_with_their_status(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("apps/web.yaml", deployment("web", SAFE))
    repo.write("apps/old-name.yaml", deployment("api", SAFE))
    repo.write("apps/gone.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: gone}\n")
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment("web", APP))
    repo.git("mv", "apps/old-name.yaml", "apps/new-name.yaml")
    repo.git("rm", "-q", "apps/gone.yaml")
    repo.write("apps/added.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: added}\n"
               "data: {key: value, other: thing}\n")
    repo.commit("head")
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", base, "--no-progress",
                                       "--no-policy", "-o", "json"])
    assert result.output.startswith("{"), result.output
    targets = json.loads(result.output)["targets"]
    assert [(t["name"], t["side"], t["changed_files"], t["changes"]) for t in targets] == [
        ("apps/added.yaml", "head", ["apps/added.yaml"],
         [{"path": "apps/added.yaml", "status": "added", "old_path": None}]),
        ("apps/gone.yaml", "base", ["apps/gone.yaml"],
         [{"path": "apps/gone.yaml", "status": "deleted", "old_path": None}]),
        ("apps/new-name.yaml", "head", ["apps/new-name.yaml"],
         [{"path": "apps/new-name.yaml", "status": "renamed", "old_path": "apps/old-name.yaml"}]),
        ("apps/old-name.yaml", "base", ["apps/new-name.yaml"],
         [{"path": "apps/new-name.yaml", "status": "renamed", "old_path": "apps/old-name.yaml"}]),
        ("apps/web.yaml", "base", ["apps/web.yaml"],
         [{"path": "apps/web.yaml", "status": "modified", "old_path": None}]),
        ("apps/web.yaml", "head", ["apps/web.yaml"],
         [{"path": "apps/web.yaml", "status": "modified", "old_path": None}]),
    ]
