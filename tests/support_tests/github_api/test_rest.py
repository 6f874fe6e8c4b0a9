"""PyGithub, the real client, against the test server: state is kept across requests."""

from __future__ import annotations

import github
import pytest

from tests.support_tests.github_api.conftest import REPO, PullScene


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
