"""Faults through the GitHub API test server: the check run still completes, nothing is lost
or repeated, waits stay bounded, and a token that may not write degrades the run."""

from __future__ import annotations

import socket
import time
from typing import Any

from tests.scm.github.findings import finding, report
from tests.scm.github.scenario import (
    NUMBER,
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
from validator.scm.outcome import Outcome

CHECK_RUN = r"^/repos/[^/]+/[^/]+/check-runs/\d+$"
REVIEWS = r"^/repos/[^/]+/[^/]+/pulls/\d+/reviews$"
REVIEW_COMMENTS = r"^/repos/[^/]+/[^/]+/pulls/\d+/comments$"
ISSUE_COMMENTS = r"^/repos/[^/]+/[^/]+/issues/\d+/comments$"


def completed(gh: GitHubApiServer) -> dict[str, Any]:
    (check,) = gh.state.check_runs.values()
    assert check["status"] == "completed"
    return check


def statuses(gh: GitHubApiServer, method: str, path_end: str) -> list[int]:
    return [r.status for r in gh.requests if r.method == method and r.path.endswith(path_end)]


def test_502s_are_retried_and_nothing_is_lost(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="PATCH", path=CHECK_RUN, status=502, times=2)
    github_api.faults.add(method="POST", path=REVIEWS, status=502, times=1)
    github_api.faults.add(method="GET", path=ISSUE_COMMENTS, status=503, times=1)

    run = publish(github_api, pushes.first, pushes.outcome_first)

    assert completed(github_api)["conclusion"] == "failure"
    assert statuses(github_api, "POST", "/reviews") == [502, 200]
    assert len(github_api.state.reviews) == 1
    assert run.result.comments_posted == len(finding_comments(github_api)) > 0
    assert len(github_api.state.issue_comments) == 1
    assert run.result.problems == ()


def test_secondary_rate_limit_waits_for_retry_after(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.secondary_rate_limit(method="POST", path=REVIEWS, retry_after=1)

    started = time.monotonic()
    run = publish(github_api, pushes.first, pushes.outcome_first)

    assert time.monotonic() - started >= 1.0
    assert statuses(github_api, "POST", "/reviews") == [403, 200]
    assert not run.result.degraded, "a rate limit is not a refused write"
    assert len(github_api.state.reviews) == 1
    assert run.result.problems == ()


def test_429_is_retried_after_its_wait(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="GET", path=REVIEW_COMMENTS, status=429, headers={"Retry-After": "1"})

    started = time.monotonic()
    run = publish(github_api, pushes.first, pushes.outcome_first)

    assert time.monotonic() - started >= 1.0
    assert statuses(github_api, "GET", "/pulls/7/comments") == [429, 200]
    assert run.result.comments_posted > 0
    assert run.result.problems == ()


def test_primary_rate_limit_waits_for_the_reset(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.primary_rate_limit(method="GET", path=ISSUE_COMMENTS, reset_in=1)

    run = publish(github_api, pushes.first, pushes.outcome_first)

    assert statuses(github_api, "GET", "/issues/7/comments") == [403, 200]
    assert len(github_api.state.issue_comments) == 1
    assert run.result.problems == ()


def test_a_wait_beyond_the_limit_is_not_slept(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="POST", path=REVIEWS, status=429, headers={"Retry-After": "3600"},
                          times=None)

    started = time.monotonic()
    run = publish(github_api, pushes.first, pushes.outcome_first, max_wait=2)

    assert time.monotonic() - started < 30
    assert completed(github_api)["conclusion"] == "failure"
    assert not run.result.degraded
    assert any("3600" in p for p in run.result.problems), run.result.problems
    (summary,) = github_api.state.issue_comments.values()
    assert "not posted" in str(summary["body"]), "the comments that did not make it are listed"


def test_a_timeout_on_an_idempotent_call_is_retried(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="PATCH", path=CHECK_RUN, status=None, delay=2.5, times=1)

    run = publish(github_api, pushes.first, pushes.outcome_first, timeout=1)

    assert completed(github_api)["conclusion"] == "failure"
    assert len([r for r in github_api.requests if r.method == "PATCH"]) >= 1
    assert run.result.problems == ()


def test_a_review_that_times_out_is_not_posted_twice(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="POST", path=REVIEWS, status=None, delay=2.5, times=1)

    run = publish(github_api, pushes.first, pushes.outcome_first, timeout=1)
    deadline = time.monotonic() + 10
    while not github_api.state.reviews and time.monotonic() < deadline:
        time.sleep(0.1)  # the slow request lands after the client gave up on it

    assert completed(github_api)["conclusion"] == "failure"
    assert len(github_api.state.reviews) == 1
    fingerprints = [markers.finding_fingerprint(str(c["body"])) for c in finding_comments(github_api)]
    assert len(fingerprints) == len(set(fingerprints))
    assert any("did not answer" in p or "no answer" in p for p in run.result.problems)

    again = publish(github_api, pushes.first, pushes.outcome_first)
    assert again.result.comments_posted == 0, "the next run sees the comments that landed"
    assert len(github_api.state.reviews) == 1


def test_a_rejected_comment_does_not_lose_the_others(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    cache = line_of(pushes.text_first, "name: cache")
    bad = line_of(pushes.text_first, "image: nginx", after=cache)
    github_api.faults.add(method="POST", path=REVIEWS, status=422, times=None,
                          match_body=lambda body: any(c.get("line") == bad for c in body["comments"]))

    run = publish(github_api, pushes.first, pushes.outcome_first)

    lines = [c["line"] for c in finding_comments(github_api)]
    assert bad not in lines
    wanted = {f.location.line for f in pushes.outcome_first.report.findings
              if f.status is FindingStatus.NEW}
    assert set(lines) == wanted - {bad}, "every other comment was posted"
    assert run.result.comments_posted == len(lines)
    (summary,) = github_api.state.issue_comments.values()
    assert f":{bad} " in str(summary["body"]), "the rejected comment is named in the summary"
    assert completed(github_api)["conclusion"] == "failure"


def test_a_read_only_token_degrades_and_stops_writing(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.add_token("t-read", write=False)

    run = publish(github_api, pushes.first, pushes.outcome_first, token="t-read")

    assert run.result.degraded
    assert run.result.conclusion == "failure"
    assert run.result.check_run_id is None
    assert github_api.state.check_runs == {}
    writes = [r for r in github_api.requests if r.method != "GET"]
    assert [w.status for w in writes] == [403], "the first refused write stops the writing"
    assert any("falling back" in line for line in run.log)
    assert run.result.problems


def test_resolving_refused_replies_fixed_once(github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)
    github_api.update_pull_request(REPOSITORY, NUMBER, head_sha=pushes.second)
    forbidden = {"data": None, "errors": [{"type": "FORBIDDEN",
                                           "message": "Resource not accessible by integration"}]}
    github_api.faults.add(method="POST", path=r"^/graphql$", status=200, body=forbidden, times=None,
                          match_body=lambda body: "ResolveThread" in body["query"])

    run = publish(github_api, pushes.second, pushes.outcome_second)
    publish(github_api, pushes.second, pushes.outcome_second)

    replies = [c for c in github_api.state.review_comments.values() if c.get("in_reply_to_id")]
    assert len(replies) == 1, "replied once, not on every run"
    assert pushes.second[:12] in str(replies[0]["body"])
    assert run.result.threads_resolved == 1
    assert not run.result.degraded


def test_a_failed_validator_still_completes_the_check_run(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)
    comments = len(github_api.state.review_comments)
    failed = Outcome(report=report(), blocking=False, markdown="", change=pushes.outcome_first.change,
                     head_lines=pushes.outcome_first.head_lines, error="opa: exit status 2")

    run = publish(github_api, pushes.first, failed)

    latest = max(github_api.state.check_runs.values(), key=lambda c: c["id"])
    assert (latest["status"], latest["conclusion"]) == ("completed", "failure")
    assert "opa: exit status 2" in latest["output"]["summary"]
    assert len(github_api.state.review_comments) == comments, "no thread resolved on a failed run"
    assert run.result.threads_resolved == 0
    (summary,) = github_api.state.issue_comments.values()
    assert "opa: exit status 2" in str(summary["body"])


def test_annotations_beyond_50_go_in_further_requests(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    many = report(*(finding(path="apps/shop.yaml", line=i, name=f"n{i}") for i in range(1, 121)))
    outcome = Outcome(report=many, blocking=True, markdown="## many\n", change=None,
                      head_lines=pushes.outcome_first.head_lines)

    run = publish(github_api, pushes.first, outcome, pull_number=None)

    check = completed(github_api)
    assert len(github_api.state.annotations[check["id"]]) == 120
    patches = [r for r in github_api.requests if r.method == "PATCH"]
    assert len(patches) == 3
    assert [len(p.body["output"].get("annotations", [])) for p in patches] == [50, 50, 20]
    assert "conclusion" in patches[-1].body, "the last request completes the check run"
    assert len(run.requests) == 2 + 3


def test_annotations_github_rejects_still_complete_the_check_run(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="PATCH", path=CHECK_RUN, status=422, times=1,
                          match_body=lambda body: "annotations" in body.get("output", {}))

    run = publish(github_api, pushes.first, pushes.outcome_first, pull_number=None)

    check = completed(github_api)
    assert check["conclusion"] == "failure"
    assert "Annotations could not be sent" in check["output"]["summary"]
    assert run.result.problems


def test_a_check_run_that_cannot_start_is_created_at_completion(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    github_api.faults.add(method="POST", path=r"/check-runs$", status=502, times=5)  # every retry

    run = publish(github_api, pushes.first, pushes.outcome_first, pull_number=None)

    assert completed(github_api)["conclusion"] == "failure"
    assert run.result.check_run_id is not None



def test_annotations_stop_at_1000_and_the_summary_says_so(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    many = report(*(finding(path="apps/shop.yaml", line=i, name=f"n{i}") for i in range(1, 1061)))
    outcome = Outcome(report=many, blocking=True, markdown="## many\n", change=None,
                      head_lines=pushes.outcome_first.head_lines)

    publish(github_api, pushes.first, outcome, pull_number=None)

    check = completed(github_api)
    assert len(github_api.state.annotations[check["id"]]) == 1000
    assert "60 findings beyond the first 1000" in check["output"]["summary"]


def test_an_unexpected_graphql_answer_falls_back_to_replies(
        github_api: GitHubApiServer, pushes: Pushes) -> None:
    serve(github_api, pushes, pushes.first)
    publish(github_api, pushes.first, pushes.outcome_first)
    github_api.update_pull_request(REPOSITORY, NUMBER, head_sha=pushes.second)
    github_api.faults.add(method="POST", path=r"^/graphql$", status=200, times=None,
                          body={"data": {"repository": {"pullRequest": None}}},
                          match_body=lambda body: "ReviewThreads" in body["query"])

    run = publish(github_api, pushes.second, pushes.outcome_second)

    replies = [c for c in github_api.state.review_comments.values() if c.get("in_reply_to_id")]
    assert len(replies) == 1
    assert run.result.threads_resolved == 1
    assert any("review threads" in p for p in run.result.problems)
    assert len(github_api.state.issue_comments) == 1, "the run went on to the summary comment"


def test_an_unreachable_api_is_given_up_on_after_one_call(pushes: Pushes) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed again: connections refused
    log: list[str] = []
    publisher = GitHubPublisher(connect(url, "t", timeout=1), PublishTarget(
        repository=REPOSITORY, head_sha=pushes.first, pull_number=NUMBER), PublishSettings(),
        log=log.append)

    started = time.monotonic()
    publisher.start()
    result = publisher.complete(pushes.outcome_first)

    assert time.monotonic() - started < 15, "one call's retries, not one per step"
    assert result.degraded, "the adapter falls back to workflow commands and the job summary"
    assert result.check_run_id is None
    assert len(result.problems) == 1
    assert any("unreachable" in line for line in log)
