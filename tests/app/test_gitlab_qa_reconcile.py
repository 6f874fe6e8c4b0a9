"""QA: ``reconcile`` speaks of what the app is configured for.

A GitLab-only app printed ``0 installations, 0 repositories, ... open pull requests`` (GitHub's
words; GitLab has merge requests), and when the token's user had no project the GitLab count
was left out, so the line did not show GitLab was swept at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.gitlab_api import GitLabApiServer
from validator.cli.main import main


@pytest.fixture
def server() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as srv:
        yield srv


def test_a_gitlab_only_app_with_no_projects_says_it_swept_gitlab(
        tmp_path: Path, server: GitLabApiServer) -> None:
    server.add_token("glpat-no-projects", projects=[], username="lonely-bot")
    environ = {"GITLAB_URL": server.url, "GITLAB_TOKEN": "glpat-no-projects", "GITLAB_WEBHOOK_SECRET": "s",
               "GITOPS_VALIDATOR_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(main, ["reconcile", "--dry-run"], env=environ, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == "reconcile: 0 GitLab projects, 0 open merge requests, 0 would enqueue (dry run)"
