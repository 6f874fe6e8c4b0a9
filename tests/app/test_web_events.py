"""decide(): which jobs each webhook event asks for, from GitHub's real example payloads."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from tests.support import github_events as ev
from tests.support.github_events import PR
from validator.app.events import decide
from validator.app.model import JobKind
from validator.app.settings import AppSettings, Drafts

REPO = "acme/deploy"
APP = 4242
SETTINGS = AppSettings(app_id=APP, private_key="", webhook_secret="s")


@pytest.mark.parametrize("action", ev.PULL_REQUEST_ACTIONS)
def test_pull_request_actions_queue_one_pull_request_job(action: str) -> None:
    payload = ev.with_installation(ev.pull_request_event(action, REPO, PR()), 3)
    decision = decide("pull_request", payload, SETTINGS)
    (job,) = decision.jobs
    assert job.kind is JobKind.PULL_REQUEST
    assert (job.repository, job.pull_number, job.head_sha, job.base_sha) == (REPO, 7, "b" * 40, "a" * 40)
    assert (job.head_ref, job.base_ref, job.event) == ("feature", "main", f"pull_request.{action}")
    assert job.installation_id == 3
    assert job.clone_url == f"https://github.com/{REPO}.git"
    assert decision.note == f"pull_request.{action}: {REPO}#7 at bbbbbbbbbbbb"
    assert not job.rerun


def test_drafts_follow_the_setting() -> None:
    draft = ev.with_installation(ev.pull_request_event("opened", REPO, PR(), draft=True), 3)
    skipped = decide("pull_request", draft, SETTINGS)
    assert skipped.jobs == ()
    assert "draft" in skipped.note
    assert len(decide("pull_request", draft, replace(SETTINGS, drafts=Drafts.CHECK)).jobs) == 1
    ready = ev.with_installation(ev.pull_request_event("ready_for_review", REPO, PR()), 3)
    assert len(decide("pull_request", ready, SETTINGS).jobs) == 1


def test_other_pull_request_actions_are_noted() -> None:
    payload = ev.pull_request_event("opened", REPO, PR())
    payload["action"] = "labeled"
    decision = decide("pull_request", payload, SETTINGS)
    assert decision.jobs == ()
    assert decision.note == "pull_request.labeled: not an action the app validates"
    assert not decision.malformed


@pytest.mark.parametrize("action", ["requested", "rerequested"])
def test_check_suite_with_pull_requests(action: str) -> None:
    pulls = [PR(), PR(number=9, base_ref="release", base_sha="c" * 40)]
    payload = ev.check_suite_event(action, REPO, head_sha="b" * 40, pulls=pulls, app_id=APP)
    jobs = decide("check_suite", payload, SETTINGS).jobs
    assert [(j.kind, j.pull_number, j.base_sha, j.base_ref) for j in jobs] == [
        (JobKind.PULL_REQUEST, 7, "a" * 40, "main"), (JobKind.PULL_REQUEST, 9, "c" * 40, "release")]
    assert all(j.rerun is (action == "rerequested") for j in jobs)
    assert {j.event for j in jobs} == {f"check_suite.{action}"}


def test_check_suite_without_pull_requests_is_one_commit_job() -> None:
    payload = ev.check_suite_event("requested", REPO, head_sha="b" * 40, head_ref="fork-branch", app_id=APP)
    (job,) = decide("check_suite", payload, SETTINGS).jobs
    assert (job.kind, job.head_sha, job.base_sha, job.pull_number, job.head_ref) == (
        JobKind.COMMIT, "b" * 40, "", None, "fork-branch")


@pytest.mark.parametrize("action", ["rerequested", "requested_action"])
def test_check_run_of_this_app_reruns_its_pull_requests(action: str) -> None:
    payload = ev.check_run_event(action, REPO, head_sha="b" * 40, pulls=[PR()], app_id=APP)
    (job,) = decide("check_run", payload, SETTINGS).jobs
    assert (job.kind, job.pull_number, job.rerun) == (JobKind.PULL_REQUEST, 7, True)
    assert job.event == f"check_run.{action}"
    fork = ev.check_run_event(action, REPO, head_sha="b" * 40, app_id=APP)
    (commit,) = decide("check_run", fork, SETTINGS).jobs
    assert (commit.kind, commit.rerun) == (JobKind.COMMIT, True)


def test_check_run_of_another_app_or_another_button_is_noted() -> None:
    other = ev.check_run_event("rerequested", REPO, head_sha="b" * 40, pulls=[PR()], app_id=APP + 1)
    decision = decide("check_run", other, SETTINGS)
    assert decision.jobs == ()
    assert "another app" in decision.note
    button = ev.check_run_event("requested_action", REPO, head_sha="b" * 40, app_id=APP, identifier="fix")
    decision = decide("check_run", button, SETTINGS)
    assert decision.jobs == ()
    assert "'fix'" in decision.note


def test_merge_group_checks_requested() -> None:
    payload = ev.merge_group_event(REPO, head_sha="d" * 40, base_sha="a" * 40, pull_number=7)
    payload["installation"] = {"id": 77}
    (job,) = decide("merge_group", payload, SETTINGS).jobs
    assert (job.kind, job.head_sha, job.base_sha, job.pull_number, job.installation_id) == (
        JobKind.MERGE_GROUP, "d" * 40, "a" * 40, None, 77)
    assert job.head_ref == payload["merge_group"]["head_ref"]
    assert job.base_ref == "refs/heads/main"


def test_installation_events_and_ping_queue_nothing() -> None:
    for event, payload in (("installation", ev.installation_event(installation_id=5)),
                           ("installation_repositories",
                            ev.installation_repositories_event("added", ["acme/a"], installation_id=5)),
                           ("ping", ev.ping_event(app_id=APP))):
        decision = decide(event, payload, SETTINGS)
        assert decision.jobs == ()
        assert not decision.malformed
        assert decision.note
    assert "acme/a, acme/b" in decide("installation_repositories", ev.installation_repositories_event(
        "added", ["acme/a", "acme/b"]), SETTINGS).note


def test_an_event_the_app_does_not_subscribe_to_is_noted() -> None:
    decision = decide("issues", {"action": "opened"}, SETTINGS)
    assert decision.jobs == ()
    assert decision.note == "issues: not an event the app acts on"


def _broken(payload: dict[str, object], *path: str, value: object) -> dict[str, object]:
    payload = copy.deepcopy(payload)
    target: dict[str, object] = payload
    for key in path[:-1]:
        target = target[key]  # type: ignore[assignment]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("pull_request", "head", "sha"), "not-a-sha",
     "pull_request.head.sha: expected a 40 or 64 hex digit SHA"),
    (("installation",), ..., "installation.id: expected a positive integer"),
    (("installation",), {"id": "1"}, "installation.id: expected a positive integer"),
    (("repository", "full_name"), 3, "repository.full_name: expected owner/name"),
    (("repository", "clone_url"), "git@github.com:a/b.git",
     "repository.clone_url: expected an http(s):// URL"),
    (("pull_request",), [], "pull_request: expected an object"),
    (("pull_request", "head"), "main", "pull_request.head: expected an object"),
    (("number",), True, "number: expected a positive integer"),
])
def test_a_malformed_payload_is_a_note_never_an_exception(path: tuple[str, ...], value: object,
                                                         expected: str) -> None:
    payload = _broken(ev.pull_request_event("opened", REPO, PR()), *path, value=value)
    decision = decide("pull_request", payload, SETTINGS)
    assert decision.jobs == ()
    assert decision.malformed
    assert decision.note == f"malformed pull_request payload: {expected}"


def test_malformed_payloads_of_every_event_never_raise() -> None:
    for event in ("pull_request", "check_suite", "check_run", "merge_group", "installation",
                  "installation_repositories", "ping"):
        for payload in ({}, {"action": 3}, {"action": "requested", "check_suite": {"pull_requests": [1]}},
                        {"action": "rerequested", "check_run": {"app": None}},
                        {"action": "checks_requested"}):
            decision = decide(event, payload, SETTINGS)
            assert decision.jobs == ()


def test_a_bad_pull_request_entry_is_named_by_its_index() -> None:
    pulls = [PR(), PR(number=8)]
    payload = ev.check_suite_event("requested", REPO, head_sha="b" * 40, pulls=pulls, app_id=APP)
    payload["check_suite"]["pull_requests"][1]["base"]["sha"] = "main"
    decision = decide("check_suite", payload, SETTINGS)
    assert decision.note == ("malformed check_suite payload: check_suite.pull_requests[1].base.sha: "
                             "expected a 40 or 64 hex digit SHA")


def test_a_field_that_is_not_an_object_is_named_by_its_own_path() -> None:
    payload = ev.check_run_event("rerequested", REPO, head_sha="b" * 40, app_id=APP)
    payload["check_run"] = "x"
    assert decide("check_run", payload, SETTINGS).note == (
        "malformed check_run payload: check_run: expected an object")
