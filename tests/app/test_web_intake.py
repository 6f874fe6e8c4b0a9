"""Intake: signature before parsing, size cap, headers, de-duplication, enqueue before record."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app.web_backend import MemoryBackend, deliveries_counted
from tests.support import github_events as ev
from tests.support.github_events import PR
from validator.app.intake import Answer, Intake
from validator.app.metrics import AppMetrics
from validator.app.settings import AppSettings

SECRET = "webhook-secret"
SETTINGS = AppSettings(app_id=4242, private_key="", webhook_secret=SECRET, max_body_bytes=64 * 1024)


def _headers(event: str, body: bytes, delivery: str = "d-1", *, secret: str = SECRET) -> dict[str, str]:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": ev.sign(secret, body), "Content-Type": "application/json"}


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


@pytest.fixture
def backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def metrics() -> AppMetrics:
    return AppMetrics()


@pytest.fixture
def intake(backend: MemoryBackend, metrics: AppMetrics) -> Intake:
    return Intake(SETTINGS, backend, metrics)




def _opened() -> bytes:
    return _body(ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3))


def test_a_signed_pull_request_is_queued(intake: Intake, backend: MemoryBackend, metrics: AppMetrics) -> None:
    body = _opened()
    answer = intake.receive(_headers("pull_request", body), body)
    assert answer == Answer(202, "queued 1 job: pull_request.opened: acme/deploy#7 at bbbbbbbbbbbb")
    (job,) = backend.queued.values()
    assert (job.pull_number, job.delivery, job.installation_id) == (7, "d-1", 3)
    assert backend.seen == {"d-1"}
    assert deliveries_counted(metrics, "pull_request", "queued") == 1


@pytest.mark.parametrize("signature", [None, "", "sha256=" + "0" * 64, "sha1=abc"])
def test_a_bad_or_missing_signature_is_401_and_nothing_is_recorded(
        intake: Intake, backend: MemoryBackend, metrics: AppMetrics, signature: str | None) -> None:
    body = _opened()
    headers = _headers("pull_request", body)
    del headers["X-Hub-Signature-256"]
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    answer = intake.receive(headers, body)
    assert answer.status == 401
    assert backend.queued == {}
    assert backend.seen == set()
    assert deliveries_counted(metrics, "pull_request", "bad_signature") == 1


def test_signature_is_checked_before_parsing(intake: Intake, backend: MemoryBackend) -> None:
    body = b"{not json"
    assert intake.receive(_headers("pull_request", body, secret="wrong"), body).status == 401
    answer = intake.receive(_headers("pull_request", body), body)
    assert answer == Answer(400, "the body is not a JSON object")


def test_a_redelivery_is_acknowledged_and_queues_nothing(intake: Intake, backend: MemoryBackend,
                                                         metrics: AppMetrics) -> None:
    body = _opened()
    assert intake.receive(_headers("pull_request", body), body).status == 202
    backend.queued.clear()  # the job ran; a redelivery must not queue it again
    answer = intake.receive(_headers("pull_request", body), body)
    assert answer == Answer(200, "duplicate delivery d-1: already received")
    assert backend.queued == {}
    assert deliveries_counted(metrics, "pull_request", "duplicate") == 1


def test_a_body_over_the_cap_is_413_before_anything_else(intake: Intake, backend: MemoryBackend,
                                                          metrics: AppMetrics) -> None:
    body = b" " * (SETTINGS.max_body_bytes + 1)
    answer = intake.receive(_headers("pull_request", body), body)
    assert answer.status == 413
    assert backend.queued == {}
    assert deliveries_counted(metrics, "pull_request", "too_large") == 1


@pytest.mark.parametrize("missing", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_a_missing_header_is_400(intake: Intake, backend: MemoryBackend, missing: str) -> None:
    body = _opened()
    headers = _headers("pull_request", body)
    del headers[missing]
    assert intake.receive(headers, body) == Answer(400, f"missing header {missing}")
    assert backend.queued == {}


def test_headers_are_case_insensitive(intake: Intake, backend: MemoryBackend) -> None:
    body = _opened()
    headers = {k.lower(): v for k, v in _headers("pull_request", body).items()}
    assert intake.receive(headers, body).status == 202


def test_a_malformed_payload_is_400_and_not_recorded(intake: Intake, backend: MemoryBackend,
                                                     metrics: AppMetrics) -> None:
    payload = ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)
    payload["pull_request"]["head"]["sha"] = "HEAD"
    body = _body(payload)
    answer = intake.receive(_headers("pull_request", body), body)
    assert answer == Answer(400, "malformed pull_request payload: pull_request.head.sha: "
                                 "expected a 40 or 64 hex digit SHA")
    assert backend.seen == set()
    assert deliveries_counted(metrics, "pull_request", "malformed") == 1


def test_events_without_jobs_are_acknowledged(intake: Intake, backend: MemoryBackend,
                                              metrics: AppMetrics) -> None:
    body = _body(ev.ping_event(app_id=4242))
    answer = intake.receive(_headers("ping", body), body)
    assert answer.status == 202
    assert answer.text.startswith("nothing to do: ping: hook")
    assert backend.queued == {}
    assert deliveries_counted(metrics, "ping", "ignored") == 1
    body = _body({"action": "opened"})
    assert intake.receive(_headers("issues", body, "d-2"), body) == Answer(
        202, "nothing to do: issues: not an event the app acts on")
    assert deliveries_counted(metrics, "other", "ignored") == 1


def test_the_same_work_twice_is_coalesced(intake: Intake, backend: MemoryBackend) -> None:
    first = _opened()
    second = _body(ev.with_installation(ev.pull_request_event("reopened", "acme/deploy", PR()), 3))
    assert intake.receive(_headers("pull_request", first, "d-1"), first).status == 202
    assert intake.receive(_headers("pull_request", second, "d-2"), second).status == 202
    assert len(backend.queued) == 1
    assert backend.seen == {"d-1", "d-2"}


def test_a_storage_failure_is_503_and_the_redelivery_is_accepted(intake: Intake, backend: MemoryBackend,
                                                                 metrics: AppMetrics) -> None:
    body = _opened()
    backend.fail = {"accept"}
    answer = intake.receive(_headers("pull_request", body), body)
    assert answer.status == 503
    assert answer.text == ("the queue is unavailable (accept: the queue's storage is gone (test)); "
                           "try again (redeliver)")
    assert backend.seen == set()  # not recorded: GitHub's redelivery must not be a "duplicate"
    assert deliveries_counted(metrics, "pull_request", "error") == 1
    backend.fail = set()
    assert intake.receive(_headers("pull_request", body), body).status == 202
    assert len(backend.queued) == 1


def test_check_suite_without_pull_requests_and_check_run_rerun(intake: Intake,
                                                                backend: MemoryBackend) -> None:
    suite = _body(ev.check_suite_event("requested", "acme/deploy", head_sha="c" * 40, app_id=4242))
    assert intake.receive(_headers("check_suite", suite, "d-1"), suite).status == 202
    run = _body(ev.check_run_event("requested_action", "acme/deploy", head_sha="b" * 40, pulls=[PR()],
                                   app_id=4242))
    assert intake.receive(_headers("check_run", run, "d-2"), run).status == 202
    kinds = sorted((j.kind.value, j.rerun, j.delivery) for j in backend.queued.values())
    assert kinds == [("commit", False, "d-1"), ("pull_request", True, "d-2")]
