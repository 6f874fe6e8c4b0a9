"""Check suites group an app's check runs on a commit; suites and runs can be re-requested."""

from __future__ import annotations

from pathlib import Path

import github
import requests

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from tests.support_tests.github_api.conftest import REPO, PullScene


def _auth(scene: PullScene) -> dict[str, str]:
    return {"Authorization": f"token {scene.gh.token}"}


def test_check_runs_gather_in_one_suite_per_commit_whose_state_follows_them(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    first = repo.create_check_run(name="a", head_sha=scene.head_sha, status="in_progress")
    repo.create_check_run(name="b", head_sha=scene.head_sha, conclusion="success")
    (suite,) = repo.get_commit(scene.head_sha).get_check_suites()
    assert (suite.id, suite.status, suite.latest_check_runs_count) == (first.check_suite.id, "in_progress", 2)
    assert suite.conclusion is None
    first.edit(conclusion="failure")
    (suite,) = repo.get_commit(scene.head_sha).get_check_suites()
    assert (suite.status, suite.conclusion, suite.head_sha) == ("completed", "failure", scene.head_sha)


def test_a_suite_is_created_once_and_rerequests_are_recorded(scene: PullScene) -> None:
    url = f"{scene.gh.url}/repos/{REPO}"
    created = requests.post(f"{url}/check-suites", json={"head_sha": scene.head_sha}, headers=_auth(scene),
                            timeout=10)
    again = requests.post(f"{url}/check-suites", json={"head_sha": scene.head_sha}, headers=_auth(scene),
                          timeout=10)
    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json()["id"] == again.json()["id"]
    suite_id = created.json()["id"]
    rerequest = requests.post(f"{url}/check-suites/{suite_id}/rerequest", headers=_auth(scene), timeout=10)
    assert rerequest.status_code == 201
    run = scene.client().get_repo(REPO).create_check_run(name="a", head_sha=scene.head_sha,
                                                         conclusion="success")
    assert requests.post(f"{url}/check-runs/{run.id}/rerequest", headers=_auth(scene), timeout=10).ok
    assert scene.gh.state.rerequests == [("check_suite", suite_id), ("check_run", run.id)]


def test_suites_answer_in_their_response_schema(tmp_path: Path) -> None:
    git = GitRepo.init(tmp_path / "repo")
    git.write("a.yaml", "a: 1\n")
    head = git.commit("base")
    with GitHubApiServer(check_responses=True) as gh:
        gh.add_repository(REPO, git_dir=git.root)
        repo = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token), lazy=True,
                             seconds_between_writes=0).get_repo(REPO)
        repo.create_check_run(name="a", head_sha=head)
        assert len(list(repo.get_commit(head).get_check_suites())) == 1
        assert requests.post(f"{gh.url}/repos/{REPO}/check-suites", json={"head_sha": head}, timeout=10,
                             headers={"Authorization": f"token {gh.token}"}).status_code == 200
        assert gh.violations == []
        assert gh.response_problems == []
