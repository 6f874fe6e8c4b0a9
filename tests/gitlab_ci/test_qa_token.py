"""QA: a token GitLab lets read but not write (no ``api`` scope, or a Reporter).

Reading the merge request works, so the run goes on; every write is refused with 403. The
job log must say which variable holds the token and what it lacks, as the webhook app's log
does, and must not claim the status was set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.action.scenario import deployment
from tests.gitlab_ci.scenario import Project
from tests.support.gitlab_api import GitLabApiServer

READ_ONLY = "glpat-read-only-never-printed"


@pytest.fixture
def server() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as srv:
        yield srv
        assert srv.violations == []


def test_a_token_that_may_not_write_is_named_with_what_it_needs(
        tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project("platform/gitops", project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    server.add_token(READ_ONLY, write=False, username="reporter")
    build = project.runner_clone("feature")
    env = project.environ(build, api_url=server.api_url, project_id=pid, iid=iid, token=READ_ONLY)
    result = project.run(build, env, "--policy", "builtin", "--path", "apps")
    assert result.exit_code == 1, result.stderr  # the findings still fail the job
    assert server.statuses(pid, head) == []
    assert "GITOPS_VALIDATOR_GITLAB_TOKEN" in result.stderr
    assert "api scope" in result.stderr
    assert f"status failed on {head[:12]};" not in result.stderr  # it was not set
    assert READ_ONLY not in result.stdout + result.stderr
