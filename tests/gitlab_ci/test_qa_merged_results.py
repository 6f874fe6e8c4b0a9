"""QA: a merged results pipeline, published to the GitLab API test server.

There the job's commit (``CI_COMMIT_SHA``) and its pipeline (``CI_PIPELINE_ID``) are GitLab's
merge commit; the status is reported on the merge request's head
(``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA``). GitLab answers a status that names a pipeline of
another commit with ``404 Pipeline for pipeline_id, sha and ref Not Found``, so the status must
not name the merge commit's pipeline."""

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


def test_merged_results_pipeline_sets_the_status_on_the_merge_request_head(
        tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    base = project.sha("main")
    project.origin.write("apps/other/deploy.yaml", deployment("other"))
    project.origin.commit("main moves on")
    pid = server.add_project("platform/gitops", project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    project.origin.git("checkout", "-q", "-b", "merge-train")
    project.origin.git("merge", "-q", "--no-ff", "-m", "merge", "feature")
    project.origin.git("checkout", "-q", "main")
    merge = project.sha("merge-train")
    pipeline = server.add_pipeline(pid, merge, ref=f"refs/merge-requests/{iid}/merge")
    build = project.runner_clone("merge-train")
    env = project.environ(build, api_url=server.api_url, project_id=pid, iid=iid, token=server.token,
                          extra={"CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head,
                                 "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
                                 "CI_PIPELINE_ID": str(pipeline)})
    result = project.run(build, env, "--policy", "builtin", "--path", "apps")
    assert result.exit_code == 1, result.stderr
    assert "could not set" not in result.stderr, result.stderr
    assert [s["status"] for s in server.statuses(pid, head)] == ["failed"]
    assert server.statuses(pid, merge) == []
