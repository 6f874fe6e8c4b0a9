"""The publisher against the GitHub API test server: a pull request's first push, then a
second push that fixes one finding and brings another (real diff runs, real HTTP)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from tests.scm.github.scenario import (
    NUMBER,
    PATH,
    REPOSITORY,
    Pushes,
    finding_comments,
    line_of,
    publish,
    serve,
)
from tests.support.github_api import GitHubApiServer
from validator.model import FindingStatus
from validator.scm import markers
from validator.scm.github.client import connect
from validator.scm.github.publisher import GitHubPublisher, PublishSettings, PublishTarget
from validator.scm.outcome import CommentMode


def test_first_push_completes_a_failing_check_run_with_annotations(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    run = publish(github_api, pushes.first, pushes.outcome_first)

    (check,) = github_api.state.check_runs.values()
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert check["head_sha"] == pushes.first
    assert run.result.check_run_id == check["id"]
    new = sum(1 for f in pushes.outcome_first.report.findings if f.status is FindingStatus.NEW)
    assert new > 1
    assert check["output"]["title"].startswith(f"{new} new findings,")
    assert len(check["output"]["summary"].encode()) <= 65_535
    notes = github_api.state.annotations[check["id"]]
    expected = {(f.location.path, f.location.line) for f in pushes.outcome_first.report.findings
                if f.location.line > 0}
    assert {(n["path"], n["start_line"]) for n in notes} == expected
    privileged = line_of(pushes.text_first, "privileged: true")
    assert any(n["start_line"] == privileged and n["annotation_level"] == "failure" for n in notes)
    assert not run.result.degraded
    assert run.result.problems == ()


def test_first_push_comments_only_on_commentable_lines_with_markers(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    run = publish(github_api, pushes.first, pushes.outcome_first)

    (review,) = github_api.state.reviews.values()
    assert review["state"] == "COMMENTED"
    comments = finding_comments(github_api)
    assert run.result.comments_posted == len(comments) > 0
    change = pushes.outcome_first.change
    assert change is not None
    (changed,) = change.files
    for comment in comments:
        assert comment["path"] == PATH
        assert comment["side"] == "RIGHT"
        assert any(comment["line"] in lines for lines in changed.commentable)
        assert markers.finding_fingerprint(str(comment["body"])) is not None
    privileged = line_of(pushes.text_first, "privileged: true")
    assert comments[0]["line"] == privileged, "the new finding comes first"
    db_end = line_of(pushes.text_first, "---")
    assert all(int(str(c["line"])) > db_end for c in comments), "the unchanged db stays uncommented"
    assert "```suggestion\n            privileged: false\n```" in str(comments[0]["body"]), \
        "K8S-001 declares its fix: a suggestion replaces the line"
    lines = pushes.text_first.splitlines()
    for comment in comments:
        on_privileged = lines[int(str(comment["line"])) - 1].strip() == "privileged: true"
        assert ("```suggestion" in str(comment["body"])) == on_privileged, comment["body"]
    new = {f.location.line for f in pushes.outcome_first.report.findings if f.status is FindingStatus.NEW}
    assert {c["line"] for c in comments} == new, "the new findings are commented, the existing not"


def test_first_push_posts_one_summary_comment_with_its_marker(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)

    (summary,) = github_api.state.issue_comments.values()
    assert markers.is_summary(str(summary["body"]), "gitops-validator")
    assert str(summary["body"]).startswith(pushes.outcome_first.markdown.rstrip("\n")[:200])


def test_first_push_stays_within_the_request_budget(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    run = publish(github_api, pushes.first, pushes.outcome_first)

    annotated = sum(1 for f in pushes.outcome_first.report.findings if f.location.line > 0)
    extra_batches = max(0, (annotated - 1) // 50)
    reviews = sum(1 for method, path in run.requests if method == "POST" and path.endswith("/reviews"))
    assert reviews == 1
    assert len(run.requests) <= 6 + extra_batches + reviews, run.requests


def test_second_push_resolves_the_fixed_thread_and_comments_the_new_finding_once(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)
    before = {markers.finding_fingerprint(str(c["body"])): c for c in finding_comments(github_api)}
    github_api.update_pull_request(REPOSITORY, NUMBER, head_sha=pushes.second)

    run = publish(github_api, pushes.second, pushes.outcome_second)

    after = [markers.finding_fingerprint(str(c["body"])) for c in finding_comments(github_api)]
    assert len(after) == len(set(after)), "no finding is commented twice"
    fixed = [f for f in pushes.outcome_first.report.findings
             if f.rule_id == "K8S-001" and f.status is FindingStatus.NEW
             and f.resource is not None and f.resource.name == "web"]
    assert len(fixed) == 1
    fixed_comment = before[fixed[0].fingerprint]
    thread = github_api.state.thread_of(int(str(fixed_comment["id"])))
    assert thread is not None
    assert thread.is_resolved
    assert run.result.threads_resolved == 1
    new = [f for f in pushes.outcome_second.report.findings if f.status is FindingStatus.NEW]
    assert new, "the second push brings a finding"
    host = line_of(pushes.text_second, "hostNetwork: true")
    (host_finding,) = [f for f in new if f.location.line == host]
    assert after.count(host_finding.fingerprint) == 1
    (host_comment,) = [c for c in finding_comments(github_api) if c["line"] == host]
    assert "```suggestion\n      hostNetwork: false\n```" in str(host_comment["body"])
    assert run.result.comments_kept > 0
    assert len(github_api.state.issue_comments) == 1, "the summary comment is edited in place"
    (summary,) = github_api.state.issue_comments.values()
    assert summary["body"].startswith(pushes.outcome_second.markdown.rstrip("\n")[:200])
    (check_first, check_second) = sorted(github_api.state.check_runs.values(), key=lambda c: c["id"])
    assert (check_first["head_sha"], check_second["head_sha"]) == (pushes.first, pushes.second)


def test_a_rerun_on_the_same_push_repeats_nothing(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)
    comments = len(github_api.state.review_comments)

    run = publish(github_api, pushes.first, pushes.outcome_first)

    assert len(github_api.state.review_comments) == comments
    assert len(github_api.state.reviews) == 1
    assert len(github_api.state.issue_comments) == 1
    assert run.result.comments_posted == 0
    assert run.result.comments_kept == comments


def test_summary_mode_posts_no_review(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first, comments=CommentMode.SUMMARY)
    assert github_api.state.reviews == {}
    assert len(github_api.state.issue_comments) == 1


def test_off_mode_and_no_pull_request_post_only_the_check_run(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first, comments=CommentMode.OFF)
    publish(github_api, pushes.first, pushes.outcome_first, pull_number=None)
    assert github_api.state.reviews == {}
    assert github_api.state.issue_comments == {}
    assert all(c["status"] == "completed" for c in github_api.state.check_runs.values())


def test_max_comments_limits_the_open_comments_of_the_pull_request(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    """``max-comments`` bounds what a reviewer sees open on the pull request, not one run:
    a re-run (or a later push) whose earlier comments are still open adds none beyond it."""
    serve(github_api, pushes, pushes.first)
    run = publish(github_api, pushes.first, pushes.outcome_first, max_comments=1)
    assert run.result.comments_posted == 1
    (comment,) = finding_comments(github_api)
    assert comment["line"] == line_of(pushes.text_first, "privileged: true")

    again = publish(github_api, pushes.first, pushes.outcome_first, max_comments=1)
    assert again.result.comments_posted == 0
    assert again.result.comments_kept == 1
    assert len(finding_comments(github_api)) == 1
    wider = publish(github_api, pushes.first, pushes.outcome_first, max_comments=3)
    assert wider.result.comments_posted == 2, "room left under a higher bound is used"


def test_paths_are_repository_relative(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)
    (check,) = github_api.state.check_runs.values()
    assert {n["path"] for n in github_api.state.annotations[check["id"]]} == {PATH}
    assert not Path(PATH).is_absolute()


def test_a_persons_comment_quoting_the_marker_is_not_edited(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.add_token("t-person", write=True, login="octocat")
    quoted = "I saw this:\n" + markers.summary_marker("gitops-validator") + "\n"
    connect(github_api.url, "t-person").post(f"/repos/{REPOSITORY}/issues/{NUMBER}/comments",
                                             {"body": quoted})

    publish(github_api, pushes.first, pushes.outcome_first, comments=CommentMode.SUMMARY)
    publish(github_api, pushes.second, pushes.outcome_second, comments=CommentMode.SUMMARY)

    comments = list(github_api.state.issue_comments.values())
    assert [c["user"]["login"] for c in comments] == ["octocat", "github-actions[bot]"]
    assert comments[0]["body"] == quoted
    assert comments[1]["body"].startswith(pushes.outcome_second.markdown.rstrip("\n")[:200])


def test_github_enterprise_layout_rest_and_graphql(pushes: Pushes) -> None:
    with GitHubApiServer(enterprise=True) as gh:
        assert gh.url.endswith("/api/v3")
        serve(gh, pushes, pushes.first)
        publish(gh, pushes.first, pushes.outcome_first)
        gh.update_pull_request(REPOSITORY, NUMBER, head_sha=pushes.second)
        run = publish(gh, pushes.second, pushes.outcome_second)
    assert [str(v) for v in gh.violations] + gh.server_errors == []
    assert run.result.threads_resolved == 1, "GraphQL reached at /api/graphql"
    assert any(r.operation == "graphql:ResolveThread" for r in gh.requests)
    assert run.result.problems == ()


def test_a_check_run_left_in_progress_is_taken_over(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    died = GitHubPublisher(connect(github_api.url, github_api.token), PublishTarget(
        repository=REPOSITORY, head_sha=pushes.first, pull_number=NUMBER), PublishSettings())
    died.start()  # a run that never completed (the job was killed)

    run = publish(github_api, pushes.first, pushes.outcome_first)

    (check,) = github_api.state.check_runs.values()
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert run.result.check_run_id == check["id"]


def test_a_completed_check_run_is_not_reopened(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    first = publish(github_api, pushes.first, pushes.outcome_first)
    second = publish(github_api, pushes.first, pushes.outcome_first)
    assert first.result.check_run_id != second.result.check_run_id
    assert [c["status"] for c in github_api.state.check_runs.values()] == ["completed", "completed"]


def test_a_persons_comment_carrying_a_finding_marker_does_not_stand_for_the_bots(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    """The pull request's author copies the bot's hidden marker of a finding into a comment
    of their own before the run: the finding is still commented by the bot (only bots'
    markers count as posted), and the person's comment is never resolved or edited."""
    serve(github_api, pushes, pushes.first)
    github_api.add_token("t-author", write=True, login="author")
    privileged = line_of(pushes.text_first, "privileged: true")
    (target,) = [f for f in pushes.outcome_first.report.findings
                 if f.location.line == privileged and f.status is FindingStatus.NEW]
    forged = "looks fine to me\n" + markers.finding_marker(target.fingerprint) + "\n"
    connect(github_api.url, "t-author").post(
        f"/repos/{REPOSITORY}/pulls/{NUMBER}/comments",
        {"body": forged, "commit_id": pushes.first, "path": PATH, "line": privileged, "side": "RIGHT"})

    run = publish(github_api, pushes.first, pushes.outcome_first)

    on_line = [c for c in finding_comments(github_api) if c["line"] == privileged]
    assert [cast("dict[str, str]", c["user"])["login"] for c in on_line] == ["author", "github-actions[bot]"]
    assert run.result.comments_kept == 0
    assert on_line[0]["body"] == forged
