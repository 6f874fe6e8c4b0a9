"""QA: the status joins a merge request pipeline as GitLab names it.

A merge request pipeline's ``ref`` is ``refs/merge-requests/<iid>/head``
(``CI_MERGE_REQUEST_REF_PATH``), not the source branch. GitLab finds the pipeline of a status
by sha, ``ref`` *and* ``pipeline_id`` (``Ci::CreateCommitStatusService#first_matching_pipeline``),
so a status sent with the branch name and the job's pipeline id is refused with ``404 Pipeline
for pipeline_id, sha and ref Not Found``: no status on any real merge request pipeline."""

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


def test_the_status_joins_the_merge_request_pipeline(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project("platform/gitops", project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    ref_path = f"refs/merge-requests/{iid}/head"
    pipeline = server.add_pipeline(pid, head, ref=ref_path)  # what GitLab creates for the MR
    build = project.runner_clone("feature")
    env = project.environ(build, api_url=server.api_url, project_id=pid, iid=iid, token=server.token,
                          extra={"CI_PIPELINE_ID": str(pipeline), "CI_MERGE_REQUEST_REF_PATH": ref_path})
    result = project.run(build, env, "--policy", "builtin", "--path", "apps")
    assert result.exit_code == 1, result.stderr
    assert "could not set" not in result.stderr, result.stderr
    statuses = server.statuses(pid, head)
    assert [(s["status"], s["pipeline_id"]) for s in statuses] == [("failed", pipeline)]
