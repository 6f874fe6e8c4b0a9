"""The server's answers match the contract's response schemas (what PyGithub and others parse)."""

from __future__ import annotations

from pathlib import Path

import github
import requests
from github.PullRequest import ReviewComment

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from tests.support_tests.github_api.conftest import BASE_DEPLOY, HEAD_DEPLOY, REPO


def test_every_answer_of_a_full_publishing_run_matches_its_response_schema(tmp_path: Path) -> None:
    git = GitRepo.init(tmp_path / "repo")
    git.write("apps/web/deploy.yaml", BASE_DEPLOY)
    base = git.commit("base")
    git.write("apps/web/deploy.yaml", HEAD_DEPLOY)
    git.write("renamed.yaml", "x: 1\n")
    head = git.commit("head")
    with GitHubApiServer(check_responses=True) as gh:
        gh.add_repository(REPO, git_dir=git.root)
        gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
        client = github.Github(base_url=gh.url, auth=github.Auth.Token(gh.token), lazy=True, retry=None,
                               seconds_between_requests=0, seconds_between_writes=0)
        repo = client.get_repo(REPO)
        assert repo.full_name == REPO
        run = repo.create_check_run(name="c", head_sha=head, status="in_progress")
        annotation = {"path": "renamed.yaml", "start_line": 1, "end_line": 1, "start_column": 1,
                      "end_column": 2, "annotation_level": "warning", "message": "m", "title": "x"}
        run.edit(status="completed", conclusion="success",
                 output={"title": "t", "summary": "s", "annotations": [annotation]})
        list(repo.get_check_run(run.id).get_annotations())
        list(repo.get_commit(head).get_check_runs())
        pull = repo.get_pull(7)
        assert pull.title
        list(pull.get_files())
        list(pull.get_commits())
        on_line_10: ReviewComment = {"path": "apps/web/deploy.yaml", "line": 10, "body": "c"}
        review = pull.create_review(commit=repo.get_commit(head), event="REQUEST_CHANGES", body="b",
                                    comments=[on_line_10])
        list(pull.get_reviews())
        (comment,) = pull.get_review_comments()
        reply = pull.create_review_comment("r", repo.get_commit(head), "apps/web/deploy.yaml",
                                           in_reply_to=comment.id)
        reply.edit("r2")
        pull.get_review_comment(reply.id)
        issue_comment = repo.get_issue(7).create_comment("summary")
        issue_comment.edit("summary 2")
        list(repo.get_issue(7).get_comments())
        repo.get_issue(7).get_comment(issue_comment.id)
        repo.get_commit(head).create_status("success", context="gitops-validator")
        compare = repo.compare(base, head)
        assert compare.ahead_by == 1
        tree = repo.get_git_tree(head, recursive=True)
        repo.get_git_blob(next(e.sha for e in tree.tree if e.type == "blob"))
        assert [p.number for p in repo.get_commit(head).get_pulls()] == [7]
        review.edit("edited")
        review.dismiss("no longer")
        auth = {"Authorization": f"token {gh.token}"}
        assert requests.get(f"{gh.url}/repos/{REPO}/check-runs/{run.id}", headers=auth, timeout=10).ok
        assert review.id
        assert gh.violations == []
        assert gh.server_errors == []
        assert gh.response_problems == []


def test_the_app_endpoints_answer_in_their_response_schemas(tmp_path: Path) -> None:
    git = GitRepo.init(tmp_path / "repo")
    git.write("a.yaml", "a: 1\n")
    git.commit("base")
    with GitHubApiServer(check_responses=True) as gh:
        gh.add_repository(REPO, git_dir=git.root)
        app = gh.add_app(app_id=4242)
        gh.add_installation(app.app_id, installation_id=77, repositories=[REPO],
                            permissions={"checks": "write"})
        integration = github.GithubIntegration(auth=github.Auth.AppAuth(app.app_id, app.private_key),
                                               base_url=gh.url)
        assert integration.get_app().slug == "app-4242"
        assert integration.get_repo_installation("octo-org", "gitops").app_id == 4242
        narrowed = integration.get_access_token(77, permissions={"checks": "read"})
        assert narrowed.permissions == {"checks": "read"}
        assert gh.violations == []
        assert gh.response_problems == []
