"""Which job an event asks for: a diff of a pull request, a full check of a push, or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action import payloads
from validator.action.events import ActionJob, EventError, JobKind, job_for_event, read_event

BASE, HEAD, MERGE = "b" * 40, "c" * 40, "d" * 40


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "ready_for_review"])
@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
def test_a_pull_request_is_a_diff_of_its_base_and_head_never_github_sha(action: str, event: str) -> None:
    payload = payloads.pull_request(action, base=BASE, head=HEAD, number=12)
    job = job_for_event(event, payload, sha=MERGE)
    assert job == ActionJob(kind=JobKind.DIFF, base_sha=BASE, head_sha=HEAD, report_sha=HEAD,
                            pull_number=12, description=job.description)
    assert "#12" in job.description
    assert action in job.description


@pytest.mark.parametrize("action", ["closed", "labeled", "assigned", "edited"])
def test_other_pull_request_actions_have_nothing_to_do(action: str) -> None:
    job = job_for_event("pull_request", payloads.pull_request(action, base=BASE, head=HEAD), sha=MERGE)
    assert job.kind is JobKind.NOTHING
    assert action in job.description


def test_a_merge_group_is_a_diff_reported_on_its_head_without_comments() -> None:
    job = job_for_event("merge_group", payloads.merge_group(base=BASE, head=HEAD), sha=MERGE)
    assert (job.kind, job.base_sha, job.head_sha, job.report_sha, job.pull_number) == (
        JobKind.DIFF, BASE, HEAD, HEAD, None)


def test_a_merge_group_that_is_not_checks_requested_has_nothing_to_do() -> None:
    job = job_for_event("merge_group", payloads.merge_group(base=BASE, head=HEAD, action="destroyed"),
                        sha=MERGE)
    assert job.kind is JobKind.NOTHING


def test_a_push_is_a_full_check_reported_on_after() -> None:
    job = job_for_event("push", payloads.push(before=BASE, after=HEAD), sha=MERGE)
    assert (job.kind, job.head_sha, job.report_sha, job.pull_number) == (JobKind.CHECK, HEAD, HEAD, None)


def test_a_deleted_branch_push_has_nothing_to_do() -> None:
    job = job_for_event("push", payloads.push(before=BASE, after="0" * 40), sha=MERGE)
    assert job.kind is JobKind.NOTHING
    assert "deleted" in job.description


def test_workflow_dispatch_checks_github_sha() -> None:
    job = job_for_event("workflow_dispatch", {"inputs": {}, "ref": "refs/heads/main"}, sha=MERGE)
    assert (job.kind, job.head_sha, job.report_sha) == (JobKind.CHECK, MERGE, MERGE)


def test_an_unsupported_event_is_an_error_naming_it() -> None:
    with pytest.raises(EventError, match="issue_comment"):
        job_for_event("issue_comment", {}, sha=MERGE)


@pytest.mark.parametrize("broken", [
    {"action": "opened"},
    {"action": "opened", "pull_request": {"number": 1, "base": {"sha": BASE}, "head": {"sha": "xyz"}}},
    {"action": "opened", "pull_request": {"number": "1", "base": {"sha": BASE}, "head": {"sha": HEAD}}},
])
def test_a_payload_lacking_what_the_event_needs_is_an_error(broken: dict[str, object]) -> None:
    with pytest.raises(EventError, match="pull_request"):
        job_for_event("pull_request", broken, sha=MERGE)


def test_read_event_names_the_file_when_it_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{not json")
    with pytest.raises(EventError, match=r"event\.json"):
        read_event(path)
    path.write_text("[1, 2]")
    with pytest.raises(EventError, match="not a JSON object"):
        read_event(path)
    with pytest.raises(EventError, match=r"missing\.json"):
        read_event(tmp_path / "missing.json")


def test_read_event_reads_a_payload(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payloads.push(before=BASE, after=HEAD)))
    assert read_event(path)["after"] == HEAD
