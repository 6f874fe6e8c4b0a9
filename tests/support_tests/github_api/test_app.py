"""A GitHub App: JWT-authenticated app endpoints mint installation tokens scoped by repository
and permission, as the webhook app will use them."""

from __future__ import annotations

import time

import github
import jwt
import pytest
import requests

from tests.support.github_api import GitHubApiServer
from tests.support_tests.github_api.conftest import REPO, PullScene


def _integration(gh: GitHubApiServer, app_id: int, key: str) -> github.GithubIntegration:
    return github.GithubIntegration(auth=github.Auth.AppAuth(app_id, key), base_url=gh.url)


def test_an_installation_token_is_minted_and_used(scene: PullScene) -> None:
    app = scene.gh.add_app(app_id=4242)
    scene.gh.add_installation(app.app_id, installation_id=77, repositories=[REPO],
                              permissions={"checks": "write", "pull_requests": "write", "contents": "read"})
    integration = _integration(scene.gh, app.app_id, app.private_key)
    assert integration.get_app().id == 4242
    assert integration.get_repo_installation("octo-org", "gitops").id == 77
    token = integration.get_access_token(77)
    assert token.permissions == {"checks": "write", "pull_requests": "write", "contents": "read"}
    client = github.Github(base_url=scene.gh.url, auth=github.Auth.Token(token.token), lazy=True,
                           seconds_between_requests=0, seconds_between_writes=0)
    run = client.get_repo(REPO).create_check_run(name="gitops-validator", head_sha=scene.head_sha)
    assert scene.gh.state.check_runs[run.id]["name"] == "gitops-validator"


def test_a_token_without_a_permission_is_refused_that_write(scene: PullScene) -> None:
    app = scene.gh.add_app(app_id=4242)
    scene.gh.add_installation(app.app_id, installation_id=77, repositories=[REPO],
                              permissions={"checks": "write", "pull_requests": "read"})
    token = _integration(scene.gh, app.app_id, app.private_key).get_access_token(77).token
    repo = github.Github(base_url=scene.gh.url, auth=github.Auth.Token(token), lazy=True,
                         seconds_between_requests=0, seconds_between_writes=0).get_repo(REPO)
    repo.create_check_run(name="c", head_sha=scene.head_sha)
    with pytest.raises(github.GithubException) as raised:
        repo.get_issue(7).create_comment("summary")
    assert raised.value.status == 403
    assert raised.value.data["message"] == "Resource not accessible by integration"
    assert repo.get_pull(7).title == "Change"


def test_a_token_only_sees_its_repositories(scene: PullScene) -> None:
    scene.gh.add_repository("octo-org/other", git_dir=scene.git.root)
    app = scene.gh.add_app(app_id=4242)
    scene.gh.add_installation(app.app_id, installation_id=77, repositories=["octo-org/other"],
                              permissions={"checks": "write"})
    token = _integration(scene.gh, app.app_id, app.private_key).get_access_token(77).token
    answer = requests.get(f"{scene.gh.url}/repos/{REPO}", headers={"Authorization": f"token {token}"},
                          timeout=10)
    assert answer.status_code == 404
    assert scene.gh.violations == []


def test_a_jwt_is_checked_and_only_opens_app_endpoints(scene: PullScene) -> None:
    app = scene.gh.add_app(app_id=4242)
    scene.gh.add_installation(app.app_id, installation_id=77, repositories=[REPO],
                              permissions={"checks": "write"})
    now = int(time.time())
    def sign(iat: int, exp: int, key: str) -> str:
        return jwt.encode({"iat": now + iat, "exp": now + exp, "iss": "4242"}, key, algorithm="RS256")

    good, expired = sign(-60, 540, app.private_key), sign(-900, -300, app.private_key)
    forged = sign(-60, 540, scene.gh.add_app(app_id=5151).private_key)
    too_long = sign(-60, 3600, app.private_key)

    def get(path: str, token: str) -> int:
        return requests.get(f"{scene.gh.url}{path}", headers={"Authorization": f"Bearer {token}"},
                            timeout=10).status_code

    assert get("/app", good) == 200
    assert [get("/app", expired), get("/app", forged), get("/app", too_long)] == [401, 401, 401]
    assert get(f"/repos/{REPO}/pulls/7", good) == 401
    assert get("/app", scene.gh.token) == 401
