"""Requests outside the OpenAPI contract are answered like GitHub and recorded as violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import github
import pytest
import requests

from tests.support.github_api import ContractMissingError, GitHubApiServer, shared_dir
from tests.support.github_api.contract import default_contract_path, load_contract
from tests.support.github_api.routes import HANDLERS
from tests.support_tests.github_api.conftest import REPO, PullScene


@pytest.fixture
def bare_server(tmp_path: Path) -> Iterator[GitHubApiServer]:
    """A server used directly (not the fixture): these tests make violations on purpose."""
    with GitHubApiServer() as gh:
        yield gh


def _auth(gh: GitHubApiServer) -> dict[str, str]:
    return {"Authorization": f"token {gh.token}"}


def test_an_invalid_annotation_level_is_a_422_and_a_violation(bare_server: GitHubApiServer,
                                                            tmp_path: Path) -> None:
    gh = bare_server
    gh.add_repository(REPO, git_dir=tmp_path)
    answer = requests.post(f"{gh.url}/repos/{REPO}/check-runs", headers=_auth(gh), timeout=10, json={
        "name": "n", "head_sha": "a" * 40, "output": {"title": "t", "summary": "s", "annotations": [
            {"path": "a.yaml", "start_line": 1, "end_line": 1, "annotation_level": "bad", "message": "m"}]}})
    assert answer.status_code == 422
    assert [v.message for v in gh.violations] == [
        "checks/create: body output/annotations/0/annotation_level: 'bad' is not one of "
        "['notice', 'warning', 'failure']"]
    assert gh.state.check_runs == {}


def test_an_unknown_path_is_a_404_and_a_violation(bare_server: GitHubApiServer) -> None:
    gh = bare_server
    answer = requests.get(f"{gh.url}/repos/{REPO}/commits/{'a' * 40}", headers=_auth(gh), timeout=10)
    assert answer.status_code == 404
    assert [str(v) for v in gh.violations] == [
        f"GET /repos/{REPO}/commits/{'a' * 40}: no operation of the contract serves this method and path"]


@pytest.mark.parametrize(("query", "problem"), [
    ("per_page=x", "query parameter 'per_page' 'x' is not of type 'integer'"),
    ("colour=red", "query parameter 'colour' is not in the contract"),
])
def test_a_bad_query_parameter_is_a_violation(bare_server: GitHubApiServer, query: str, problem: str) -> None:
    gh = bare_server
    answer = requests.get(f"{gh.url}/repos/{REPO}/pulls/7/files?{query}", headers=_auth(gh), timeout=10)
    assert answer.status_code == 422
    assert [v.message for v in gh.violations] == [f"pulls/list-files: {problem}"]


def test_a_path_parameter_of_the_wrong_type_is_a_violation(bare_server: GitHubApiServer) -> None:
    gh = bare_server
    answer = requests.get(f"{gh.url}/repos/{REPO}/check-runs/abc", headers=_auth(gh), timeout=10)
    assert answer.status_code == 422
    assert [v.message for v in gh.violations] == ["checks/get: path parameter 'check_run_id' 'abc' is not "
                                                  "of type 'integer'"]


def test_columns_on_a_multi_line_annotation_break_githubs_rule(bare_server: GitHubApiServer,
                                                                tmp_path: Path) -> None:
    gh = bare_server
    gh.add_repository(REPO, git_dir=tmp_path)
    answer = requests.post(f"{gh.url}/repos/{REPO}/check-runs", headers=_auth(gh), timeout=10, json={
        "name": "n", "head_sha": "a" * 40, "output": {"title": "t", "summary": "s", "annotations": [
            {"path": "a.yaml", "start_line": 1, "end_line": 3, "start_column": 2, "end_column": 4,
             "annotation_level": "failure", "message": "m"}]}})
    assert answer.status_code == 422
    assert len(gh.violations) == 1
    assert "start_column and end_column" in gh.violations[0].message


def test_completed_without_a_conclusion_is_refused(bare_server: GitHubApiServer, tmp_path: Path) -> None:
    gh = bare_server
    gh.add_repository(REPO, git_dir=tmp_path)
    answer = requests.post(f"{gh.url}/repos/{REPO}/check-runs", headers=_auth(gh), timeout=10,
                           json={"name": "n", "head_sha": "a" * 40, "status": "completed"})
    assert answer.status_code == 422
    assert "conclusion is required" in gh.violations[0].message


def test_a_missing_or_unknown_token_is_401_not_a_violation(bare_server: GitHubApiServer) -> None:
    gh = bare_server
    assert requests.get(f"{gh.url}/repos/{REPO}", timeout=10).status_code == 401
    bad = requests.get(f"{gh.url}/repos/{REPO}", headers={"Authorization": "token nope"}, timeout=10)
    assert (bad.status_code, bad.json()["message"]) == (401, "Bad credentials")
    assert gh.violations == []


def test_a_read_only_token_gets_403_on_every_write(scene: PullScene) -> None:
    scene.gh.add_token("t-read", write=False)
    repo = scene.client("t-read").get_repo(REPO)
    assert repo.get_pull(7).head.sha == scene.head_sha
    with pytest.raises(github.GithubException) as raised:
        repo.create_check_run(name="gitops-validator", head_sha=scene.head_sha)
    assert raised.value.status == 403
    assert raised.value.data["message"] == "Resource not accessible by integration"
    with pytest.raises(github.GithubException) as raised:
        repo.get_issue(7).create_comment("summary")
    assert raised.value.status == 403
    assert scene.gh.state.check_runs == {}
    assert scene.gh.state.issue_comments == {}


def test_the_request_log_names_each_operation(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    assert pull.title == "Change"
    assert len(list(pull.get_files())) == 2
    assert [(r.method, r.operation, r.status) for r in scene.gh.requests] == [
        ("GET", "pulls/get", 200), ("GET", "pulls/list-files", 200)]


def test_a_missing_shared_directory_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_VALIDATOR_SHARED", str(tmp_path / "nowhere"))
    with pytest.raises(ContractMissingError, match="GITOPS_VALIDATOR_SHARED"):
        shared_dir()


def test_an_unknown_body_property_is_a_violation_though_github_would_ignore_it(
        bare_server: GitHubApiServer, tmp_path: Path) -> None:
    gh = bare_server
    gh.add_repository(REPO, git_dir=tmp_path)
    answer = requests.post(f"{gh.url}/repos/{REPO}/check-runs", headers=_auth(gh), timeout=10, json={
        "name": "n", "head_sha": "a" * 40, "output": {"title": "t", "summary": "s", "annotation": []}})
    assert answer.status_code == 422
    assert [v.message for v in gh.violations] == [
        "checks/create: body output: Additional properties are not allowed ('annotation' was unexpected)"]


def test_every_operation_of_the_contract_has_a_handler() -> None:
    contract = load_contract(default_contract_path())
    assert len(contract.by_id) == 37
    assert sorted(set(contract.by_id) - set(HANDLERS)) == []
