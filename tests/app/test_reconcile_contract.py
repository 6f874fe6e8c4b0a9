"""The contract supplement (installations, their repositories, open pull requests): loaded beside
the shared OpenAPI subset, enforced like it, served by the test server with GitHub's shapes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from tests.support.github_api.contract import (
    Contract,
    ContractError,
    default_contract_path,
    default_supplement_path,
    load_contract,
)
from tests.support.github_api.routes import HANDLERS

SUPPLEMENT = ("apps/list-installations", "apps/list-repos-accessible-to-installation", "pulls/list")


@pytest.fixture
def bare_server() -> Iterator[GitHubApiServer]:
    """A server used directly: these tests make violations on purpose."""
    with GitHubApiServer(check_responses=True) as gh:
        yield gh


def _jwt(app_id: int, key: str) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(app_id)}, key, algorithm="RS256")


def _get(gh: GitHubApiServer, path: str, token: str, scheme: str = "token") -> requests.Response:
    return requests.get(f"{gh.url}{path}", headers={"Authorization": f"{scheme} {token}"}, timeout=10)


def _repo(tmp_path: Path, name: str) -> tuple[GitRepo, str, str]:
    git = GitRepo.init(tmp_path / name)
    git.write("a.yaml", f"name: {name}\n")
    base = git.commit("base")
    git.write("a.yaml", f"name: {name}-2\n")
    return git, base, git.commit("head")


def test_the_server_loads_the_supplement_beside_the_shared_contract() -> None:
    contract = load_contract(default_contract_path(), default_supplement_path())
    assert set(SUPPLEMENT) <= set(contract.by_id)
    assert len(contract.by_id) == 37 + len(SUPPLEMENT)
    assert sorted(set(contract.by_id) - set(HANDLERS)) == []
    assert "docs.github.com/rest/pulls/pulls#list-pull-requests" in \
        json.loads(default_supplement_path().read_text())["info"]["description"]


def test_a_supplement_may_not_redefine_the_shared_contract(tmp_path: Path) -> None:
    clash = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
             "paths": {"/app": {"get": {"operationId": "apps/other", "responses": {}}}}}
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(clash))
    with pytest.raises(ContractError, match=r"clash.json: GET /app is in the shared contract already"):
        Contract(default_contract_path(), supplement=path)


@pytest.mark.parametrize(("query", "problem"), [
    ("state=opened", "query parameter 'state' 'opened' is not one of ['open', 'closed', 'all']"),
    ("labels=bug", "query parameter 'labels' is not in the contract"),
    ("per_page=x", "query parameter 'per_page' 'x' is not of type 'integer'"),
])
def test_a_bad_query_parameter_of_a_supplement_operation_is_a_violation(
        bare_server: GitHubApiServer, query: str, problem: str) -> None:
    gh = bare_server
    answer = _get(gh, f"/repos/octo-org/alpha/pulls?{query}", gh.token)
    assert answer.status_code == 422
    assert [v.message for v in gh.violations] == [f"pulls/list: {problem}"]


def test_the_installation_endpoints_take_the_right_credential(bare_server: GitHubApiServer,
                                                              tmp_path: Path) -> None:
    gh = bare_server
    git, _, _ = _repo(tmp_path, "alpha")
    gh.add_repository("octo-org/alpha", git_dir=git.root)
    app = gh.add_app(app_id=11)
    gh.add_installation(11, installation_id=1, repositories=["octo-org/alpha"],
                        permissions={"metadata": "read"})
    token = _get(gh, "/app/installations", _jwt(11, app.private_key), "Bearer")
    assert token.status_code == 200
    minted = requests.post(f"{gh.url}/app/installations/1/access_tokens", timeout=10,
                           headers={"Authorization": f"Bearer {_jwt(11, app.private_key)}"}).json()["token"]
    assert _get(gh, "/app/installations", minted).status_code == 401
    assert _get(gh, "/installation/repositories", _jwt(11, app.private_key), "Bearer").status_code == 401
    assert _get(gh, "/installation/repositories", gh.token).status_code == 403  # not an installation's
    assert _get(gh, "/installation/repositories", minted).status_code == 200
    assert gh.violations == []


def test_listings_page_like_github_and_match_the_response_schemas(bare_server: GitHubApiServer,
                                                                  tmp_path: Path) -> None:
    gh = bare_server
    names = [f"octo-org/r{n}" for n in range(3)]
    shas = {}
    for name in names:
        git, *shas[name] = _repo(tmp_path, name.split("/")[1])
        gh.add_repository(name, git_dir=git.root)
    base, head = shas["octo-org/r0"]
    gh.add_pull_request("octo-org/r0", number=1, base_sha=base, head_sha=head)
    gh.add_pull_request("octo-org/r0", number=2, base_sha=base, head_sha=head, draft=True)
    gh.add_pull_request("octo-org/r0", number=3, base_sha=base, head_sha=head, base_ref="release")
    gh.state.pull_requests[("octo-org/r0", 3)].state = "closed"
    app = gh.add_app(app_id=11)
    gh.add_installation(11, installation_id=1, repositories=names[:2], permissions={"pull_requests": "read"})
    gh.add_installation(11, installation_id=2, repositories=names[2:], permissions={"pull_requests": "read"})
    gh.add_installation(gh.add_app(app_id=12).app_id, installation_id=3, repositories=names,
                        permissions={})
    bearer = _jwt(11, app.private_key)

    page = _get(gh, "/app/installations?per_page=1", bearer, "Bearer")
    assert [i["id"] for i in page.json()] == [1]
    assert 'rel="next"' in page.headers["Link"]
    assert [i["id"] for i in _get(gh, "/app/installations", bearer, "Bearer").json()] == [1, 2]

    minted = requests.post(f"{gh.url}/app/installations/1/access_tokens", timeout=10,
                           headers={"Authorization": f"Bearer {bearer}"}).json()["token"]
    first = _get(gh, "/installation/repositories?per_page=1", minted)
    assert first.json()["total_count"] == 2
    assert [r["full_name"] for r in first.json()["repositories"]] == ["octo-org/r0"]
    assert 'rel="next"' in first.headers["Link"]

    pulls = _get(gh, "/repos/octo-org/r0/pulls?state=open", minted).json()
    assert [(p["number"], p["draft"]) for p in pulls] == [(2, True), (1, False)]  # newest first
    every = _get(gh, "/repos/octo-org/r0/pulls?state=all&direction=asc", minted).json()
    assert [p["number"] for p in every] == [1, 2, 3]
    assert [p["number"] for p in _get(gh, "/repos/octo-org/r0/pulls?state=all&base=release",
                                      minted).json()] == [3]
    assert _get(gh, "/repos/octo-org/r2/pulls", minted).status_code == 404  # not its installation's
    assert gh.violations == []
    assert gh.response_problems == []


def test_check_runs_belong_to_the_app_whose_installation_made_them(bare_server: GitHubApiServer,
                                                                   tmp_path: Path) -> None:
    gh = bare_server
    git, _, head = _repo(tmp_path, "alpha")
    gh.add_repository("octo-org/alpha", git_dir=git.root)
    app = gh.add_app(app_id=11)
    gh.add_installation(11, installation_id=1, repositories=["octo-org/alpha"],
                        permissions={"checks": "write"})
    minted = requests.post(f"{gh.url}/app/installations/1/access_tokens", timeout=10,
                           headers={"Authorization": f"Bearer {_jwt(11, app.private_key)}"}).json()["token"]
    for token in (minted, gh.token):
        created = requests.post(f"{gh.url}/repos/octo-org/alpha/check-runs", timeout=10,
                                headers={"Authorization": f"token {token}"},
                                json={"name": "gitops-validator", "head_sha": head})
        assert created.status_code == 201
    runs = _get(gh, f"/repos/octo-org/alpha/commits/{head}/check-runs?filter=all", minted).json()
    assert sorted(r["app"]["id"] for r in runs["check_runs"]) == [11, 15368]  # ours, GitHub Actions'
    ours = _get(gh, f"/repos/octo-org/alpha/commits/{head}/check-runs?filter=all&app_id=11", minted)
    assert [r["app"]["slug"] for r in ours.json()["check_runs"]] == ["app-11"]
    assert gh.violations == []
    assert gh.response_problems == []
