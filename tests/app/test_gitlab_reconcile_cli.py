"""``gitops-validator reconcile`` on a GitLab-only app: the settings of ``serve`` (GITLAB_*),
the embedded queue, the GitLab API test server; what it prints and what it queues."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from tests.support.gitlab_api import GitLabApiServer
from validator.app.backends import open_sqlite_queue
from validator.app.model import Platform
from validator.app.settings import load_settings
from validator.cli.main import main

CHECK = "gitops-validator"


@pytest.fixture
def environ(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``ops/alpha`` with two open merge requests, the first with a final status of the app."""
    with GitLabApiServer() as srv:
        git = GitRepo.init(tmp_path / "alpha")
        git.write("apps/config.yaml", "base: true\n")
        base = git.commit("base")
        for number in (1, 2):
            git.git("checkout", "-q", "-b", f"mr-{number}", base)
            git.write("apps/config.yaml", f"change: {number}\n")
            git.commit(f"change {number}")
        git.git("checkout", "-q", "main")
        project = srv.add_project("ops/alpha", git.root)
        for number in (1, 2):
            srv.add_merge_request(project, source_branch=f"mr-{number}", target_branch="main")
        head = requests.get(f"{srv.api_url}/projects/{project}/merge_requests/1",
                            headers={"PRIVATE-TOKEN": srv.token}, timeout=30).json()["sha"]
        requests.post(f"{srv.api_url}/projects/{project}/statuses/{head}",
                      headers={"PRIVATE-TOKEN": srv.token}, json={"state": "success", "name": CHECK},
                      timeout=30).raise_for_status()
        yield {"GITLAB_URL": srv.url, "GITLAB_TOKEN": srv.token, "GITLAB_WEBHOOK_SECRET": "s",
               "GITOPS_VALIDATOR_DATA_DIR": str(tmp_path / "data")}


def test_a_dry_run_prints_the_merge_requests_and_queues_nothing(environ: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["reconcile", "--dry-run"], env=environ, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "reconcile: 1 GitLab projects, 2 open merge requests, 1 would enqueue (dry run)"
    assert sorted(line.split()[-2] for line in lines[1:]) == ["ops/alpha!1", "ops/alpha!2"]
    assert any(line.split()[:3] == ["would", "enqueue", "ops/alpha!2"] for line in lines[1:])
    queue = open_sqlite_queue(load_settings(environ))
    assert queue.depth() == 0
    queue.close()


def test_reconcile_queues_the_missing_head_and_a_failing_gitlab_exits_1(environ: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["reconcile"], env=environ, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    queue = open_sqlite_queue(load_settings(environ))
    leased = queue.lease("test")
    assert leased is not None
    job = leased.job
    assert (job.platform, job.repository, job.pull_number) == (Platform.GITLAB, "ops/alpha", 2)
    assert queue.lease("test") is None
    queue.close()
    wrong = CliRunner().invoke(main, ["reconcile"], env={**environ, "GITLAB_TOKEN": "not-a-token"},
                               catch_exceptions=False)
    assert wrong.exit_code == 1
    assert "error: gitlab user: GET /user: HTTP 401" in wrong.stdout
    assert "not-a-token" not in wrong.stdout + wrong.stderr
