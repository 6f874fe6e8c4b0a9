"""The GitLab test server answered through python-gitlab, the real client."""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from pathlib import Path

import gitlab
import pytest
import requests

from tests.gitlab_api.scene import git, open_mr
from tests.support.gitlab_api import GitLabApiServer


def test_current_user_project_and_merge_request_with_diff_refs(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        gl = gitlab.Gitlab(srv.url, private_token=srv.token)
        gl.auth()
        assert gl.user is not None
        assert gl.user.username == "gitops-validator-bot"
        assert gl.user.bot is True
        project = gl.projects.get("group/app")
        assert project.id == scene.project_id
        assert project.http_url_to_repo == srv.clone_url(scene.project_id)
        mrs = project.mergerequests.list(state="opened", get_all=True)
        assert [mr.iid for mr in mrs] == [scene.iid]
        mr = project.mergerequests.get(scene.iid)
        assert mr.diff_refs == {"base_sha": git(scene.repo, "merge-base", "main", "feature"),
                                "start_sha": git(scene.repo, "rev-parse", "main"),
                                "head_sha": git(scene.repo, "rev-parse", "feature")}
        assert mr.sha == mr.diff_refs["head_sha"]
        assert mr.author["username"] == "developer"  # a person opened it, not the bot
        assert mr.author["bot"] is False
        assert srv.violations == []
        assert srv.server_errors == []


def test_a_push_moves_head_and_diff_refs_after_refresh(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        before = srv.merge_request(scene.project_id, scene.iid)["diff_refs"]
        git(scene.repo, "checkout", "-q", "feature")
        (scene.repo / "new.yaml").write_text("a: 1\n")
        git(scene.repo, "add", "new.yaml")
        git(scene.repo, "commit", "-q", "-m", "more")
        srv.refresh_merge_request(scene.project_id, scene.iid)
        after = srv.merge_request(scene.project_id, scene.iid)["diff_refs"]
        assert after["head_sha"] == git(scene.repo, "rev-parse", "HEAD") != before["head_sha"]
        assert after["base_sha"] == before["base_sha"]


@pytest.mark.parametrize("headers", [{}, {"PRIVATE-TOKEN": "wrong"}, {"Authorization": "Bearer wrong"}])
def test_requests_without_a_valid_token_are_401(tmp_path: Path, headers: dict[str, str]) -> None:
    with GitLabApiServer() as srv:
        request = urllib.request.Request(srv.api_url + "/user", headers=headers)  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        assert caught.value.code == 401
        assert json.loads(caught.value.read()) == {"message": "401 Unauthorized"}


def test_bearer_token_is_accepted(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        gl = gitlab.Gitlab(srv.url, oauth_token=srv.token)
        gl.auth()
        assert gl.user is not None
        assert gl.user.username == "gitops-validator-bot"


def test_unknown_endpoint_and_bad_parameter_are_violations(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        gl = gitlab.Gitlab(srv.url, private_token=srv.token)
        with pytest.raises(gitlab.GitlabHttpError) as unknown:
            gl.http_get(f"/projects/{scene.project_id}/pipelines")
        assert unknown.value.response_code == 404
        with pytest.raises(gitlab.GitlabListError) as bad:
            gl.projects.get(scene.project_id, lazy=True).mergerequests.list(state="open")
        assert bad.value.response_code == 400
        assert "state does not have a valid value" in str(bad.value)
        assert [v.message for v in srv.violations] == [
            "no endpoint of the contract serves this method and path",
            "list_merge_requests: state does not have a valid value"]


def test_read_only_token_cannot_write_and_a_scoped_token_sees_its_projects_only(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        srv.add_token("reader", write=False)
        srv.add_token("elsewhere", projects=[scene.project_id + 1000])
        sha = srv.merge_request(scene.project_id, scene.iid)["sha"]
        reader = gitlab.Gitlab(srv.url, private_token="reader").projects.get(scene.project_id, lazy=True)
        with pytest.raises(gitlab.GitlabCreateError) as denied:
            reader.commits.get(sha, lazy=True).statuses.create({"state": "pending", "name": "v"})
        assert denied.value.response_code == 403
        with pytest.raises(gitlab.GitlabGetError) as hidden:
            gitlab.Gitlab(srv.url, private_token="elsewhere").projects.get(scene.project_id)
        assert hidden.value.response_code == 404
        assert srv.statuses(scene.project_id, sha) == []


def test_pagination_follows_gitlab_headers(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        for n in range(5):
            srv.add_merge_request(scene.project_id, source_branch="feature", target_branch="main",
                                  title=f"mr {n}")
        gl = gitlab.Gitlab(srv.url, private_token=srv.token, per_page=2)
        project = gl.projects.get(scene.project_id, lazy=True)
        page = project.mergerequests.list(state="opened", page=1)
        assert len(page) == 2
        every = project.mergerequests.list(state="opened", get_all=True)
        assert sorted(mr.iid for mr in every) == [1, 2, 3, 4, 5, 6]
        followed = [r.query for r in srv.requests[-3:]]
        assert [q.get("page") for q in followed[1:]] == ["2", "3"]
        assert all(q["state"] == "opened" and q["per_page"] == "2" for q in followed)
        raw = gl.http_get(f"/projects/{scene.project_id}/merge_requests", query_data={"state": "opened",
                          "per_page": 2, "page": 2}, raw=True)
        assert isinstance(raw, requests.Response)
        assert raw.headers["X-Total"] == "6"
        assert raw.headers["X-Next-Page"] == "3"
        assert raw.headers["X-Prev-Page"] == "1"
        assert 'rel="next"' in raw.headers["Link"]
        assert srv.violations == []


def test_form_encoded_parameters_are_accepted_like_json(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        refs = srv.merge_request(scene.project_id, scene.iid)["diff_refs"]
        form = {"body": "form", "position[position_type]": "text", "position[old_path]": "deploy.yaml",
                "position[new_path]": "deploy.yaml", "position[new_line]": "11",
                **{f"position[{key}]": value for key, value in refs.items()}}
        url = f"{srv.api_url}/projects/{scene.project_id}/merge_requests/{scene.iid}/discussions"
        answer = requests.post(url, data=form, headers={"PRIVATE-TOKEN": srv.token}, timeout=10)
        assert answer.status_code == 201
        created = answer.json()
        assert created["notes"][0]["position"]["new_line"] == 11
        assert srv.violations == []


def test_recorded_requests_never_hold_the_token(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        open_mr(srv, tmp_path)
        gitlab.Gitlab(srv.url, private_token=srv.token).projects.list(membership=True, get_all=True)
        gitlab.Gitlab(srv.url, oauth_token=srv.token).projects.list(membership=True, get_all=True)
        assert len(srv.requests) == 2
        assert [r.query["membership"].lower() for r in srv.requests] == ["true", "true"]
        assert srv.token not in repr(srv.requests)
        assert srv.requests[0].headers["private-token"] == "<redacted>"
        assert srv.requests[1].headers["authorization"] == "<redacted>"


def test_project_listing_pages_and_project_by_encoded_path(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        for n in range(3):
            srv.add_project(f"group/sub/other-{n}", scene.repo)
        gl = gitlab.Gitlab(srv.url, private_token=srv.token, per_page=2)
        listed = gl.projects.list(membership=True, get_all=True)
        assert len(listed) == 4
        assert len({p.id for p in listed}) == 4
        assert gl.projects.get("group/sub/other-1").path_with_namespace == "group/sub/other-1"
        assert srv.requests[-1].path == "/api/v4/projects/group%2Fsub%2Fother-1"


def test_the_merge_request_head_is_kept_under_refs_merge_requests(tmp_path: Path) -> None:
    """GitLab writes ``refs/merge-requests/<iid>/head`` in the target project (a fork's commits
    reach it only that way) and moves it on every push."""
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        ref = f"refs/merge-requests/{scene.iid}/head"
        assert git(scene.repo, "rev-parse", ref) == git(scene.repo, "rev-parse", "feature")
        git(scene.repo, "checkout", "-q", "feature")
        (scene.repo / "more.yaml").write_text("a: 1\n")
        git(scene.repo, "add", "more.yaml")
        git(scene.repo, "commit", "-q", "-m", "more")
        srv.refresh_merge_request(scene.project_id, scene.iid)
        assert git(scene.repo, "rev-parse", ref) == git(scene.repo, "rev-parse", "feature")
        # a fork: the source branch is not in the project, the test moves the MR ref itself
        git(scene.repo, "checkout", "-q", "main")
        git(scene.repo, "update-ref", ref, "feature~1")
        git(scene.repo, "branch", "-q", "-D", "feature")
        srv.refresh_merge_request(scene.project_id, scene.iid)
        assert srv.merge_request(scene.project_id, scene.iid)["sha"] == git(scene.repo, "rev-parse", ref)


def test_a_crash_of_the_test_server_is_a_violation_too() -> None:
    """Tests assert ``srv.violations == []``; a 500 of this server must not pass unseen."""
    with GitLabApiServer() as srv:
        token = srv.state.tokens[srv.token]
        srv.state.tokens[srv.token] = dataclasses.replace(token, user=None)  # type: ignore[arg-type]
        with pytest.raises(gitlab.GitlabHttpError) as crashed:
            gitlab.Gitlab(srv.url, private_token=srv.token).http_get("/user")
        assert crashed.value.response_code == 500
        assert len(srv.server_errors) == 1
        assert [v.message.splitlines()[0] for v in srv.violations] == [
            "the test server crashed (a defect of it):"]
