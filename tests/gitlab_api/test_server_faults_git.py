"""Rate limits and injected failures; git over HTTP with the token in a header."""

from __future__ import annotations

import base64
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import gitlab
import pytest
import requests

from tests.gitlab_api.scene import git, open_mr
from tests.support.gitlab_api import GitLabApiServer


def test_429_then_success_with_obey_rate_limit(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        srv.faults.rate_limit("POST", r"/statuses/", times=1, retry_after=1)
        gl = gitlab.Gitlab(srv.url, private_token=srv.token)
        sha = srv.merge_request(scene.project_id, scene.iid)["sha"]
        commit = gl.projects.get(scene.project_id, lazy=True).commits.get(sha, lazy=True)
        commit.statuses.create({"state": "pending", "name": "v"})
        posts = [r for r in srv.requests if r.method == "POST"]
        assert [r.status for r in posts] == [429, 201]
        assert [s["status"] for s in srv.statuses(scene.project_id, sha)] == ["pending"]


def test_429_carries_gitlab_headers_and_fires_the_given_number_of_times(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        open_mr(srv, tmp_path)
        srv.faults.rate_limit("GET", r"/api/v4/user$", times=1, retry_after=7)
        request = urllib.request.Request(srv.api_url + "/user",  # noqa: S310
                                         headers={"PRIVATE-TOKEN": srv.token})
        with pytest.raises(urllib.error.HTTPError) as limited:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        assert limited.value.code == 429
        assert limited.value.read() == b"Retry later\n"
        headers = limited.value.headers
        assert headers["Retry-After"] == "7"
        assert headers["RateLimit-Remaining"] == "0"
        assert int(headers["RateLimit-Reset"]) > 0
        assert headers["RateLimit-ResetTime"].endswith("GMT")
        gl = gitlab.Gitlab(srv.url, private_token=srv.token)
        user = gl.http_get("/user", obey_rate_limit=False)
        assert isinstance(user, dict)
        assert user["username"] == "gitops-validator-bot"
        assert [r.status for r in srv.requests] == [429, 200]


def test_fail_answers_the_given_status_and_body(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        srv.faults.fail("GET", r"/merge_requests/1$", 502, times=2, body={"message": "502 Bad Gateway"})
        gl = gitlab.Gitlab(srv.url, private_token=srv.token, retry_transient_errors=True)
        mr = gl.projects.get(scene.project_id, lazy=True).mergerequests.get(scene.iid)
        assert mr.iid == scene.iid
        assert [r.status for r in srv.requests] == [502, 502, 200]


def _clone(srv: GitLabApiServer, project_id: int, target: Path,
           authorization: str | None) -> subprocess.CompletedProcess[str]:
    """``git clone`` with the Authorization header as configuration (never in the URL)."""
    extra = [] if authorization is None else ["-c", f"http.extraHeader=Authorization: {authorization}"]
    env = {"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin", "HOME": str(target.parent)}
    return subprocess.run(["git", *extra, "clone", "-q", srv.clone_url(project_id), str(target)],
                          capture_output=True, text=True, check=False, timeout=60, env=env)


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


@pytest.mark.parametrize("user", ["oauth2", "gitops-validator-bot"])
def test_git_clone_with_the_token_in_a_header(tmp_path: Path, user: str) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        done = _clone(srv, scene.project_id, tmp_path / "clone", _basic(user, srv.token))
        assert done.returncode == 0, done.stderr
        cloned = git(tmp_path / "clone", "rev-parse", "origin/feature")
        assert cloned == git(scene.repo, "rev-parse", "feature")
        assert srv.git_log.requests
        assert all(srv.token not in r.path for r in srv.git_log.requests)
        assert {r.user for r in srv.git_log.requests} == {user}


@pytest.mark.parametrize("header", [None, "basic-wrong", "bearer", "private-token"])
def test_git_clone_without_a_valid_basic_token_fails(tmp_path: Path, header: str | None) -> None:
    """GitLab's git endpoints take the token as Basic-auth password only: a Bearer or
    PRIVATE-TOKEN header (the API's) is not credentials there."""
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        authorization = {None: None, "basic-wrong": _basic("oauth2", "wrong-token"),
                         "bearer": f"Bearer {srv.token}", "private-token": None}[header]
        target = tmp_path / "clone"
        if header == "private-token":
            env = {"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
            done = subprocess.run(["git", "-c", f"http.extraHeader=PRIVATE-TOKEN: {srv.token}", "clone", "-q",
                                   srv.clone_url(scene.project_id), str(target)],
                                  capture_output=True, text=True, check=False, timeout=60, env=env)
        else:
            done = _clone(srv, scene.project_id, target, authorization)
        assert done.returncode != 0
        assert [r.status for r in srv.git_log.requests] == [401]


def test_a_token_scoped_to_another_project_cannot_clone(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        srv.add_token("other", projects=[scene.project_id + 1])
        done = _clone(srv, scene.project_id, tmp_path / "clone", _basic("oauth2", "other"))
        assert done.returncode != 0


def test_a_delayed_answer_is_a_timeout_and_the_write_may_still_happen(tmp_path: Path) -> None:
    """``delay`` holds the answer; with ``status=None`` the request is then served: the client
    timed out although GitLab acted (an ambiguous POST)."""
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha = srv.merge_request(scene.project_id, scene.iid)["sha"]
        held = srv.faults.fail("POST", r"/statuses/", None, delay=30.0)
        # connect generously (the request must arrive, even on a loaded machine), read briefly
        gl = gitlab.Gitlab(srv.url, private_token=srv.token, timeout=(10, 0.3))  # type: ignore[arg-type]
        commit = gl.projects.get(scene.project_id, lazy=True).commits.get(sha, lazy=True)
        with pytest.raises(requests.exceptions.ReadTimeout):
            commit.statuses.create({"state": "pending", "name": "v"})
        for _ in range(500):  # the request is being handled once the fault fired
            if held.fired:
                break
            time.sleep(0.01)
        srv.close()  # cuts the delay short and waits for the held request to be served
        assert [s["status"] for s in srv.statuses(scene.project_id, sha)] == ["pending"]


def test_requests_record_when_they_arrived(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        srv.faults.rate_limit("GET", r"/merge_requests/1$", retry_after=1)
        gl = gitlab.Gitlab(srv.url, private_token=srv.token)
        gl.projects.get(scene.project_id, lazy=True).mergerequests.get(scene.iid)
        limited, served = srv.requests
        assert (limited.status, served.status) == (429, 200)
        assert served.at - limited.at >= 1.0  # python-gitlab waited Retry-After
