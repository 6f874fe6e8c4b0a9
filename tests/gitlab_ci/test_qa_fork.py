"""QA: a merge request from a fork, its pipeline run in the fork (GitLab's default).

There ``CI_PROJECT_ID`` is the fork and ``CI_MERGE_REQUEST_IID`` is an iid of the *target*
project, ``CI_MERGE_REQUEST_PROJECT_ID``. Reading ``/projects/<fork>/merge_requests/<iid>``
reads another merge request (the fork's own !1, when it has one) and would post discussions
there. The merge request is the target project's; the status stays on the fork's commit, in
the fork's pipeline (https://docs.gitlab.com/ci/variables/predefined_variables/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.action.scenario import deployment
from tests.gitlab_ci.scenario import Project
from tests.support.gitlab_api import GitLabApiServer


@pytest.fixture
def server() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as srv:
        yield srv
        assert srv.violations == []


def test_a_fork_pipeline_reports_on_the_target_projects_merge_request(
        tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    project.origin.git("branch", "other", "main")
    target = server.add_project("platform/gitops", project.origin.root)
    fork = server.add_project("someone/gitops", project.origin.root)
    iid = server.add_merge_request(target, source_branch="feature", target_branch="main")
    fork_iid = server.add_merge_request(fork, source_branch="other", target_branch="main")
    assert fork_iid == iid  # the fork has its own !1: the one that must not be touched
    pipeline = server.add_pipeline(fork, head, ref=f"refs/merge-requests/{iid}/head")
    build = project.runner_clone("feature")
    env = project.environ(build, api_url=server.api_url, project_id=fork, iid=iid, token=server.token,
                          extra={"CI_MERGE_REQUEST_PROJECT_ID": str(target), "CI_PIPELINE_ID": str(pipeline),
                                 "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": str(fork)})
    result = project.run(build, env, "--policy", "builtin", "--path", "apps")
    assert result.exit_code == 1, result.stderr
    assert server.discussions(fork, fork_iid) == []
    assert any("gitops-validator:finding" in n["body"] for n in server.notes(target, iid)), result.stderr
    assert [s["status"] for s in server.statuses(fork, head)] == ["running", "failed"][-1:]
