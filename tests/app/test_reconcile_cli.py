"""``gitops-validator reconcile``: the settings of ``serve``, the embedded queue, the App's
credentials against the GitHub API test server; what it prints and what it queues."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.app.reconcile_scene import CHECK, pull_requests, shared_key
from tests.support.github_api import GitHubApiServer
from validator.app.backends import open_sqlite_queue
from validator.app.github_app import AppAuth
from validator.app.settings import load_settings
from validator.cli.main import main


@pytest.fixture
def environ(github_api: GitHubApiServer, tmp_path: Path) -> dict[str, str]:
    heads = pull_requests(github_api, tmp_path, "octo-org/alpha", [1, 2])
    github_api.add_app(app_id=11, private_key=shared_key())
    github_api.add_installation(11, installation_id=1, repositories=["octo-org/alpha"],
                                permissions={"checks": "write", "pull_requests": "read", "metadata": "read"})
    env = {"GITHUB_APP_ID": "11", "GITHUB_APP_PRIVATE_KEY": shared_key(), "GITHUB_WEBHOOK_SECRET": "s",
           "GITHUB_API_URL": github_api.url, "GITOPS_VALIDATOR_DATA_DIR": str(tmp_path / "data")}
    AppAuth(load_settings(env)).installation_session(1).post(
        "/repos/octo-org/alpha/check-runs",
        {"name": CHECK, "head_sha": heads["octo-org/alpha#1"][1], "conclusion": "success"})
    return env


def test_a_dry_run_prints_what_it_would_enqueue_and_queues_nothing(environ: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["reconcile", "--dry-run"], env=environ, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("reconcile: 1 installations, 1 repositories, 2 open pull requests, "
                        "1 would enqueue (dry run)")
    assert [line.split()[-2] for line in lines[1:]] == ["octo-org/alpha#2", "octo-org/alpha#1"]
    assert lines[1].split()[:2] == ["would", "enqueue"]
    assert lines[2].split()[:3] == ["up", "to", "date"]
    queue = open_sqlite_queue(load_settings(environ))
    assert queue.depth() == 0
    queue.close()


def test_reconcile_queues_the_missing_head_for_the_workers(environ: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["reconcile"], env=environ, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "  enqueued        octo-org/alpha#2 " in result.stdout
    queue = open_sqlite_queue(load_settings(environ))
    leased = queue.lease("test")
    assert leased is not None
    job = leased.job
    assert (job.repository, job.pull_number, job.event) == ("octo-org/alpha", 2, "reconcile")
    assert queue.lease("test") is None
    queue.close()


def test_a_failing_part_exits_1_and_bad_settings_exit_2(github_api: GitHubApiServer,
                                                         environ: dict[str, str]) -> None:
    github_api.faults.add(method="GET", path=r"/repos/octo-org/alpha/pulls$", status=404, times=None)
    failed = CliRunner().invoke(main, ["reconcile"], env=environ, catch_exceptions=False)
    assert failed.exit_code == 1
    assert "error: octo-org/alpha: GET /repos/octo-org/alpha/pulls: HTTP 404" in failed.stdout
    wrong = CliRunner().invoke(main, ["reconcile"], env={**environ, "GITHUB_APP_ID": "eleven"},
                               catch_exceptions=False)
    assert wrong.exit_code == 2
    assert "GITHUB_APP_ID" in wrong.stderr


@pytest.mark.parametrize("variable", ["GITOPS_VALIDATOR_RECONCILE_MAX_REPOSITORIES",
                                      "GITOPS_VALIDATOR_RECONCILE_MAX_PULLS"])
def test_a_sweep_bound_below_one_is_refused(environ: dict[str, str], variable: str) -> None:
    wrong = CliRunner().invoke(main, ["reconcile"], env={**environ, variable: "0"}, catch_exceptions=False)
    assert wrong.exit_code == 2
    assert f"{variable}: expected a positive number, got '0'" in wrong.stderr
