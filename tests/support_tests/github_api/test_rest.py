"""PyGithub, the real client, against the test server: state is kept across requests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import github
import pytest
import requests

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from tests.support_tests.github_api.conftest import HEAD_DEPLOY, REPO, PullScene


def test_a_check_run_is_created_updated_with_annotations_and_read_back(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    run = repo.create_check_run(name="gitops-validator", head_sha=scene.head_sha, status="in_progress")
    annotations = [{"path": "apps/web/deploy.yaml", "start_line": n, "end_line": n,
                    "annotation_level": "failure", "message": f"finding {n}"} for n in range(1, 61)]
    run.edit(output={"title": "2 findings", "summary": "s", "annotations": annotations[:50]})
    run.edit(status="completed", conclusion="failure",
             output={"title": "2 findings", "summary": "done", "annotations": annotations[50:]})

    again = repo.get_check_run(run.id)
    assert (again.status, again.conclusion, again.output.title) == ("completed", "failure", "2 findings")
    assert again.output.annotations_count == 60
    read = list(again.get_annotations())
    assert [a.start_line for a in read] == list(range(1, 61))
    assert read[0].path == "apps/web/deploy.yaml"
    assert [r.id for r in repo.get_commit(scene.head_sha).get_check_runs()] == [run.id]
    assert scene.gh.state.check_runs[run.id]["conclusion"] == "failure"


def test_pull_request_files_and_commits_come_from_git(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    assert (pull.base.sha, pull.head.sha) == (scene.base_sha, scene.head_sha)
    files = {f.filename: f for f in pull.get_files()}
    assert set(files) == {"apps/web/deploy.yaml", "apps/api/new.yaml"}
    assert files["apps/api/new.yaml"].status == "added"
    deploy = files["apps/web/deploy.yaml"]
    assert (deploy.status, deploy.additions, deploy.deletions) == ("modified", 2, 1)
    assert deploy.patch.startswith("@@ -7,7 +7,7 @@")
    assert "+line 10 changed" in deploy.patch
    assert [c.sha for c in pull.get_commits()] == [scene.head_sha]


def test_a_review_with_comments_on_the_diff_is_stored_with_one_thread_per_comment(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    review = pull.create_review(commit=head, body="gitops-validator", event="COMMENT", comments=[
        {"path": "apps/web/deploy.yaml", "line": 10, "side": "RIGHT", "body": "fix this"},
        {"path": "apps/web/deploy.yaml", "line": 31, "side": "RIGHT", "body": "and this"},
    ])
    assert review.state == "COMMENTED"
    comments = list(pull.get_review_comments())
    assert [(c.path, c.line, c.body) for c in comments] == [
        ("apps/web/deploy.yaml", 10, "fix this"), ("apps/web/deploy.yaml", 31, "and this")]
    assert comments[0].diff_hunk.endswith("+line 10 changed")
    assert [r.id for r in pull.get_reviews()] == [review.id]
    assert len(scene.gh.state.review_threads) == 2


def test_a_review_with_one_comment_off_the_diff_fails_whole_with_422(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    with pytest.raises(github.GithubException) as raised:
        pull.create_review(commit=head, event="COMMENT", body="x", comments=[
            {"path": "apps/web/deploy.yaml", "line": 10, "side": "RIGHT", "body": "in the diff"},
            {"path": "apps/web/deploy.yaml", "line": 20, "side": "RIGHT", "body": "outside every hunk"},
        ])
    assert raised.value.status == 422
    assert raised.value.data["errors"] == ["Line could not be resolved"]
    assert scene.gh.state.reviews == {}
    assert scene.gh.state.review_comments == {}
    assert scene.gh.violations == []


def test_a_single_comment_off_the_diff_is_422_and_a_reply_joins_the_thread(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    with pytest.raises(github.GithubException) as raised:
        pull.create_review_comment("x", head, "apps/web/deploy.yaml", line=2, side="RIGHT")
    assert raised.value.status == 422
    first = pull.create_review_comment("top", head, "apps/web/deploy.yaml", line=11, side="RIGHT")
    reply = pull.create_review_comment("fixed", head, "apps/web/deploy.yaml", in_reply_to=first.id)
    assert reply.in_reply_to_id == first.id
    (thread,) = scene.gh.state.review_threads.values()
    assert thread.comment_ids == [first.id, reply.id]
    first.edit("top, edited")
    assert pull.get_review_comment(first.id).body == "top, edited"
    reply.delete()
    assert thread.comment_ids == [first.id]


def test_issue_comments_are_created_listed_updated_and_deleted(scene: PullScene) -> None:
    issue = scene.client().get_repo(REPO).get_issue(7)
    comment = issue.create_comment("summary v1")
    comment.edit("summary v2")
    assert [c.body for c in issue.get_comments()] == ["summary v2"]
    comment.delete()
    assert list(issue.get_comments()) == []


def test_a_check_run_on_a_commit_the_repository_lacks_is_refused(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    with pytest.raises(github.GithubException) as raised:
        repo.create_check_run(name="gitops-validator", head_sha="f" * 40)
    assert raised.value.status == 422
    assert raised.value.data["message"] == "No commit found for SHA: " + "f" * 40
    assert scene.gh.state.check_runs == {}


def test_a_check_run_on_a_pull_requests_head_lists_the_pull_request(scene: PullScene) -> None:
    run = scene.client().get_repo(REPO).create_check_run(name="gitops-validator", head_sha=scene.head_sha)
    assert [p.number for p in run.pull_requests] == [7]


def test_a_single_review_comment_is_filed_under_a_review_of_its_own(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    comment = pull.create_review_comment("top", head, "apps/web/deploy.yaml", line=11, side="RIGHT")
    (review,) = pull.get_reviews()
    assert (review.id, review.state) == (comment.pull_request_review_id, "COMMENTED")


def test_the_request_log_has_arrival_times(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    assert pull.title == "Change"
    assert len(list(pull.get_files())) == 2
    first, second = scene.gh.requests
    assert 0 < first.at <= second.at


def test_after_a_push_comments_follow_their_lines_or_become_outdated(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    pull.create_review(commit=head, event="COMMENT", comments=[
        {"path": "apps/web/deploy.yaml", "line": 10, "body": "on the changed line"},
        {"path": "apps/web/deploy.yaml", "line": 31, "body": "on the added line"},
    ])
    # The next push inserts two lines at the top and rewrites line 31: line 10 moves to 12.
    lines = ["top 1\n", "top 2\n", *HEAD_DEPLOY.splitlines(keepends=True)]
    lines[-1] = "line 31 fixed\n"
    scene.git.write("apps/web/deploy.yaml", "".join(lines))
    new_head = scene.git.commit("second push")
    scene.gh.update_pull_request(REPO, 7, head_sha=new_head)
    moved, outdated = sorted(pull.get_review_comments(), key=lambda c: c.id)
    assert (moved.line, moved.original_line, moved.commit_id) == (12, 10, new_head)
    assert outdated.line is None
    assert outdated.position is None
    assert outdated.original_line == 31
    assert outdated.original_commit_id == scene.head_sha


def test_an_enterprise_server_serves_rest_under_api_v3_and_graphql_under_api_graphql(tmp_path: Path) -> None:
    git = GitRepo.init(tmp_path / "repo")
    git.write("a.yaml", "a: 1\n")
    head = git.commit("base")
    with GitHubApiServer(enterprise=True) as gh:
        assert gh.url.endswith("/api/v3")
        assert gh.graphql_url == gh.url.removesuffix("/v3") + "/graphql"
        gh.add_repository(REPO, git_dir=git.root)
        client = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token), lazy=True, retry=None,
                               seconds_between_requests=0, seconds_between_writes=0)
        run = client.get_repo(REPO).create_check_run(name="c", head_sha=head)
        assert client.get_repo(REPO).get_check_run(run.id).name == "c"
        answer = requests.post(gh.graphql_url, json={"query": "query X { x }"}, timeout=10,
                               headers={"Authorization": f"bearer {gh.token}"})
        assert answer.json()["errors"][0]["type"] == "UNKNOWN_OPERATION"
        assert requests.get(gh.url.removesuffix("/api/v3") + f"/repos/{REPO}", timeout=10,
                            headers={"Authorization": f"token {gh.token}"}).status_code == 404
        assert [r.path for r in gh.requests][:2] == [f"/repos/{REPO}/check-runs",
                                                     f"/repos/{REPO}/check-runs/{run.id}"]
        assert len(gh.violations) == 2


def test_check_run_times_from_pygithub_are_accepted(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    run = repo.create_check_run(name="gitops-validator", head_sha=scene.head_sha, status="in_progress",
                                started_at=started, details_url="https://ci.example/run/1",
                                external_id="run-1")
    run.edit(conclusion="success", completed_at=started + timedelta(seconds=3),
             output={"title": "No findings", "summary": "ok"})
    stored = scene.gh.state.check_runs[run.id]
    assert (stored["started_at"], stored["completed_at"]) == ("2026-01-02T03:04:05Z", "2026-01-02T03:04:08Z")
    assert (stored["status"], stored["external_id"]) == ("completed", "run-1")


def test_a_comment_body_over_githubs_limit_is_refused(github_api: GitHubApiServer, scene: PullScene) -> None:
    issue = scene.client().get_repo(REPO).get_issue(7)
    with pytest.raises(github.GithubException) as raised:
        issue.create_comment("x" * 65537)
    assert raised.value.status == 422
    assert [v.message for v in github_api.violations] == [
        "issues/create-comment: body is too long (maximum is 65536 characters)"]
    github_api.violations.clear()
    issue.create_comment("x" * 65536)
    assert len(github_api.state.issue_comments) == 1


def test_a_file_level_review_comment_needs_only_a_changed_path(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    comment = pull.create_review_comment("whole file", head, "apps/api/new.yaml", subject_type="file")
    assert (comment.path, comment.subject_type) == ("apps/api/new.yaml", "file")
    assert comment.line is None
    with pytest.raises(github.GithubException) as raised:
        pull.create_review_comment("whole file", head, "README.md", subject_type="file")
    assert raised.value.status == 422


def test_a_multi_line_comment_must_stay_inside_one_hunk(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    head = scene.client().get_repo(REPO).get_commit(scene.head_sha)
    ranged = pull.create_review_comment("lines 9-11", head, "apps/web/deploy.yaml", line=11, side="RIGHT",
                                        start_line=9, start_side="RIGHT")
    assert (ranged.start_line, ranged.line) == (9, 11)
    with pytest.raises(github.GithubException) as raised:  # 13 ends the first hunk, 28 starts the second
        pull.create_review_comment("across hunks", head, "apps/web/deploy.yaml", line=28, side="RIGHT",
                                   start_line=13, start_side="RIGHT")
    assert raised.value.status == 422


def test_keep_alive_answers_are_not_held_back_by_nagle(scene: PullScene) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"token {scene.gh.token}"
    assert session.get(f"{scene.gh.url}/repos/{REPO}/pulls/7").ok
    started = time.monotonic()
    for _ in range(20):
        assert session.get(f"{scene.gh.url}/repos/{REPO}/pulls/7/files").ok
    assert time.monotonic() - started < 0.6  # with Nagle and delayed ACKs: about 20 x 40 ms


def test_positions_and_hunks_skip_no_newline_markers(github_api: GitHubApiServer, tmp_path: Path) -> None:
    git = GitRepo.init(tmp_path / "nl")
    git.write("a.yaml", "a: 1\nb: 2")
    base = git.commit("base")
    git.write("a.yaml", "a: 1\nb: 2\nc: 3\n")
    head = git.commit("head")
    github_api.add_repository("octo-org/nl", git_dir=git.root)
    github_api.add_pull_request("octo-org/nl", number=1, base_sha=base, head_sha=head)
    client = github.Github(base_url=github_api.url, auth=github.Auth.Token(github_api.token), lazy=True,
                           seconds_between_requests=0, seconds_between_writes=0)
    repo = client.get_repo("octo-org/nl")
    comment = repo.get_pull(1).create_review_comment("on c", repo.get_commit(head), "a.yaml", line=3,
                                                     side="RIGHT")
    patch = repo.get_pull(1).get_files()[0].patch.splitlines()
    assert patch[comment.position] == "+c: 3"
    assert comment.diff_hunk.splitlines()[-1] == "+c: 3"
