"""``gitops-validator gitlab-ci`` as a subprocess with the ``CI_*`` variables of a merge request
pipeline, publishing to the GitLab API test server (real HTTP on loopback, python-gitlab as
the client), in a runner's shallow clone of the project's repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.action.scenario import deployment
from tests.change.gitrepo import GitRepo
from tests.gitlab_ci.codequality_check import check_codequality
from tests.gitlab_ci.scenario import CIRun, Project
from tests.support.gitlab_api import GitLabApiServer

PROJECT_PATH = "platform/gitops"


@pytest.fixture
def server() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as srv:
        yield srv
        assert srv.violations == []


def _pipeline(srv: GitLabApiServer, project: Project, *, iid: int | None, project_id: int,
              token: str | None = None, ref: str = "feature", args: tuple[str, ...] = ()) -> CIRun:
    build = project.runner_clone(ref)
    # GitLab made it first; a merge request pipeline's ref is the merge request's, not the branch
    pipeline = srv.add_pipeline(project_id, project.sha(ref),
                                ref=ref if iid is None else f"refs/merge-requests/{iid}/head")
    env = project.environ(build, api_url=srv.api_url, project_id=project_id, iid=iid,
                          token=srv.token if token is None else token,
                          extra={"CI_PIPELINE_ID": str(pipeline)})
    return project.run(build, env, "--policy", "builtin", "--path", "apps", *args)


def _states(srv: GitLabApiServer, sha: str) -> list[tuple[str, int | None]]:
    """The states this run's status was set to, in order, with the pipeline each joined."""
    return [(r.body["state"], r.body.get("pipeline_id")) for r in srv.requests
            if r.method == "POST" and r.path.endswith(f"/statuses/{sha}") and r.status < 300]


def _final(statuses: list[dict[str, Any]]) -> dict[str, Any]:
    assert statuses, "no commit status was set"
    return statuses[-1]


def _marked(discussions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The discussions carrying a finding marker."""
    return [d for d in discussions if "gitops-validator:finding" in d["notes"][0]["body"]]


def test_merge_request_with_a_violation(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    result = _pipeline(server, project, iid=iid, project_id=pid)
    assert result.exit_code == 1, result.stderr
    assert [state for state, _ in _states(server, head)] == ["running", "failed"]
    assert len({pipeline for _, pipeline in _states(server, head)} - {None}) == 1
    status = _final(server.statuses(pid, head))
    assert status["status"] == "failed"
    assert status["name"] == "gitops-validator"
    assert status["target_url"].endswith("/platform/gitops/-/jobs/55")
    line = project.origin.git("show", f"{head}:apps/web/deploy.yaml").splitlines().index(
        "            privileged: true") + 1
    positions = [d["notes"][0]["position"] for d in _marked(server.discussions(pid, iid))]
    assert {"new_path": "apps/web/deploy.yaml", "new_line": line} in [
        {"new_path": p["new_path"], "new_line": p["new_line"]} for p in positions]
    summaries = [n for n in server.notes(pid, iid) if "gitops-validator:summary" in n["body"]]
    assert len(summaries) == 1
    check_codequality(result.file("gl-code-quality-report.json") or "")
    assert server.token not in result.stdout + result.stderr


def test_a_push_that_fixes_one_and_adds_another(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    assert _pipeline(server, project, iid=iid, project_id=pid).exit_code == 1
    first = _marked(server.discussions(pid, iid))
    head = project.feature({"apps/web/deploy.yaml": deployment("web"),
                            "apps/api/deploy.yaml": deployment("api", privileged=True)}, "swap")
    server.refresh_merge_request(pid, iid)
    assert _pipeline(server, project, iid=iid, project_id=pid).exit_code == 1
    after = _marked(server.discussions(pid, iid))
    assert _final(server.statuses(pid, head))["status"] == "failed"
    web = [d for d in after if d["notes"][0]["position"]["new_path"] == "apps/web/deploy.yaml"]
    api = [d for d in after if d["notes"][0]["position"]["new_path"] == "apps/api/deploy.yaml"]
    assert len(web) == len(first)  # kept, not duplicated
    assert all(d["notes"][0].get("resolved") for d in web)
    assert api
    assert not any(d["notes"][0].get("resolved") for d in api)
    assert len([n for n in server.notes(pid, iid) if "gitops-validator:summary" in n["body"]]) == 1


def test_clean_merge_request_succeeds(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web").replace("replicas: 2", "replicas: 3")})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    result = _pipeline(server, project, iid=iid, project_id=pid)
    assert result.exit_code == 0, result.stderr
    assert _final(server.statuses(pid, head))["status"] == "success"
    assert _marked(server.discussions(pid, iid)) == []


def test_branch_pipeline_sets_the_status_only(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    project.origin.write("apps/api/deploy.yaml", deployment("api", privileged=True))
    head = project.origin.commit("privileged api on main")
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    result = _pipeline(server, project, iid=None, project_id=pid, ref="main")
    assert result.exit_code == 1, result.stderr
    assert _final(server.statuses(pid, head))["status"] == "failed"
    assert not any("/merge_requests/" in r.path for r in server.requests)


def test_a_token_gitlab_refuses_exits_2_without_printing_it(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    wrong = "glpat-wrong-token-never-printed"
    result = _pipeline(server, project, iid=iid, project_id=pid, token=wrong)
    assert result.exit_code == 2
    assert "GITOPS_VALIDATOR_GITLAB_TOKEN" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert result.file("gl-code-quality-report.json") is None


def test_superseded_head_sets_its_status_only(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    old = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    project.feature({"apps/api/deploy.yaml": deployment("api", privileged=True)}, "newer push")
    server.refresh_merge_request(pid, iid)
    build = project.runner_clone("feature", depth=5)
    GitRepo(root=build).git("checkout", "-q", old)  # this pipeline ran for the older push
    pipeline = server.add_pipeline(pid, old, ref=f"refs/merge-requests/{iid}/head")
    env = project.environ(build, api_url=server.api_url, project_id=pid, iid=iid, token=server.token,
                          extra={"CI_PIPELINE_ID": str(pipeline)})
    result = project.run(build, env, "--policy", "builtin", "--path", "apps")
    assert result.exit_code == 1, result.stderr
    assert "has moved on" in result.stderr
    assert _final(server.statuses(pid, old))["status"] == "failed"
    assert server.discussions(pid, iid) == []


def test_rate_limit_is_waited_out_and_nothing_is_lost(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    server.faults.rate_limit("POST", r"/discussions$", times=1, retry_after=1)
    result = _pipeline(server, project, iid=iid, project_id=pid)
    assert result.exit_code == 1, result.stderr
    assert "GitLab: retrying in 1 s (a rate limit" in result.stderr
    assert len(_marked(server.discussions(pid, iid))) == 1
    assert [r.status for r in server.requests if r.path.endswith("/discussions")
            and r.method == "POST"] == [429, 201]


def test_status_gitlab_refuses_leaves_the_exit_code_to_gate(tmp_path: Path, server: GitLabApiServer) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    pid = server.add_project(PROJECT_PATH, project.origin.root)
    iid = server.add_merge_request(pid, source_branch="feature", target_branch="main")
    server.faults.fail("POST", r"/statuses/", 403, times=None)
    result = _pipeline(server, project, iid=iid, project_id=pid)
    assert result.exit_code == 1, result.stderr
    assert "the commit status could not be set (failed)" in result.stderr
    check_codequality(result.file("gl-code-quality-report.json") or "")
