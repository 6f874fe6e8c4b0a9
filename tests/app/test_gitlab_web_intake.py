"""GitLab intake: X-Gitlab-Token before parsing, per-scope secrets after, de-duplication by
Idempotency-Key (else X-Gitlab-Event-UUID and the body), 2xx for everything ignored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app import gitlab_payloads as gl
from tests.app.web_backend import MemoryBackend, deliveries_counted
from validator.app.intake import Answer, Intake
from validator.app.metrics import AppMetrics
from validator.app.model import Platform
from validator.app.settings import AppSettings

SECRET = "gl-hook-secret"
SETTINGS = AppSettings(gitlab_token="glpat-x", gitlab_webhook_secret=SECRET, max_body_bytes=64 * 1024)
SCOPED = AppSettings(gitlab_token="glpat-x", max_body_bytes=64 * 1024,
                     gitlab_webhook_scopes=(("platform", "group-secret"),
                                            ("platform/infra/deploy", "deploy-secret")))


def _headers(event: str = "Merge Request Hook", *, token: str | None = SECRET, uuid: str | None = "u-1",
             key: str | None = None) -> dict[str, str]:
    headers = {"X-Gitlab-Event": event, "Content-Type": "application/json"}
    for name, value in (("X-Gitlab-Token", token), ("X-Gitlab-Event-UUID", uuid), ("Idempotency-Key", key)):
        if value is not None:
            headers[name] = value
    return headers


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




def test_an_opened_merge_request_is_queued(intake: Intake, backend: MemoryBackend,
                                           metrics: AppMetrics) -> None:
    body = _body(gl.merge_request("open"))
    answer = intake.receive_gitlab(_headers(), body)
    assert answer.status == 202
    assert answer.text.startswith("queued 1 job: merge_request.open")
    (job,) = backend.queued.values()
    assert job.platform is Platform.GITLAB
    assert job.delivery.startswith("gitlab:")
    assert deliveries_counted(metrics, "Merge Request Hook", "queued") == 1


@pytest.mark.parametrize("token", [None, "", "wrong", SECRET + "x", SECRET.upper()])
def test_a_wrong_or_missing_token_is_401_before_parsing(intake: Intake, backend: MemoryBackend,
                                                        metrics: AppMetrics, token: str | None) -> None:
    answer = intake.receive_gitlab(_headers(token=token), b"{not json")
    assert answer == Answer(401, "missing or wrong X-Gitlab-Token")
    assert backend.queued == {}
    assert backend.seen == set()
    assert deliveries_counted(metrics, "Merge Request Hook", "bad_signature") == 1


def test_a_github_signature_is_no_gitlab_token(intake: Intake, backend: MemoryBackend) -> None:
    body = _body(gl.merge_request("open"))
    headers = {**_headers(token=None), "X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert intake.receive_gitlab(headers, body).status == 401
    assert backend.queued == {}


def test_a_redelivery_queues_one_job(intake: Intake, backend: MemoryBackend, metrics: AppMetrics) -> None:
    body = _body(gl.merge_request("open"))
    assert intake.receive_gitlab(_headers(key="k-1", uuid="u-1"), body).status == 202
    # GitLab keeps Idempotency-Key across retries; the event UUID may change on a resend
    answer = intake.receive_gitlab(_headers(key="k-1", uuid="u-2"), body)
    assert answer == Answer(200, "duplicate delivery gitlab:platform/infra/deploy:k-1: already received")
    assert len(backend.queued) == 1
    assert deliveries_counted(metrics, "Merge Request Hook", "duplicate") == 1


def test_without_idempotency_key_the_event_uuid_and_body_identify_a_delivery(
        intake: Intake, backend: MemoryBackend) -> None:
    first, second = _body(gl.merge_request("open", iid=7)), _body(gl.merge_request("open", iid=8))
    assert intake.receive_gitlab(_headers(uuid="u-1"), first).status == 202
    assert intake.receive_gitlab(_headers(uuid="u-1"), first).status == 200
    # one push updates two merge requests: one event UUID, two hooks, two jobs
    assert intake.receive_gitlab(_headers(uuid="u-1"), second).status == 202
    assert len(backend.queued) == 2


def test_without_any_delivery_id_an_identical_body_is_a_duplicate(intake: Intake,
                                                                   backend: MemoryBackend) -> None:
    body = _body(gl.merge_request("open"))
    assert intake.receive_gitlab(_headers(uuid=None), body).status == 202
    assert intake.receive_gitlab(_headers(uuid=None), body).status == 200
    assert len(backend.queued) == 1


def test_an_overlong_idempotency_key_is_kept_by_its_hash(intake: Intake, backend: MemoryBackend) -> None:
    body = _body(gl.merge_request("open"))
    assert intake.receive_gitlab(_headers(key="k" * 5000), body).status == 202
    assert intake.receive_gitlab(_headers(key="k" * 5000), body).status == 200
    (job,) = backend.queued.values()
    assert job.delivery.startswith("gitlab:platform/infra/deploy:key:")  # under its project
    assert len(job.delivery) < 50 + len("platform/infra/deploy")


def test_the_event_header_is_required(intake: Intake, backend: MemoryBackend) -> None:
    headers = _headers()
    del headers["X-Gitlab-Event"]
    answer = intake.receive_gitlab(headers, _body(gl.merge_request()))
    assert answer == Answer(400, "missing header X-Gitlab-Event")
    assert backend.queued == {}


def test_headers_are_case_insensitive(intake: Intake) -> None:
    headers = {name.lower(): value for name, value in _headers().items()}
    assert intake.receive_gitlab(headers, _body(gl.merge_request())).status == 202


@pytest.mark.parametrize(("action", "oldrev"), [("open", None), ("reopen", None), ("update", gl.OLD)])
def test_every_merge_request_action_that_asks_for_work(intake: Intake, backend: MemoryBackend,
                                                       action: str, oldrev: str | None) -> None:
    body = _body(gl.merge_request(action, oldrev=oldrev))
    assert intake.receive_gitlab(_headers(), body).status == 202
    (job,) = backend.queued.values()
    assert job.event == f"merge_request.{action}"


@pytest.mark.parametrize(("event", "payload"), [
    ("Merge Request Hook", gl.merge_request("update")), ("Merge Request Hook", gl.merge_request("close")),
    ("Merge Request Hook", gl.merge_request("merge")), ("Merge Request Hook", gl.merge_request("approved")),
    ("Note Hook", gl.note("looks good")), ("Push Hook", gl.example("push.json")),
    ("Pipeline Hook", gl.example("pipeline.json")), ("System Hook", {"event_name": "project_create"}),
    ("Some Future Hook", {}),
])
def test_ignored_events_are_2xx_and_queue_nothing(intake: Intake, backend: MemoryBackend, metrics: AppMetrics,
                                                  event: str, payload: dict[str, Any]) -> None:
    answer = intake.receive_gitlab(_headers(event), _body(payload))
    assert answer.status == 202
    assert answer.text.startswith("nothing to do: ")
    assert backend.queued == {}
    label = event if event != "Some Future Hook" else "other"
    assert deliveries_counted(metrics, label, "ignored") == 1


def test_a_malformed_payload_is_400_naming_the_field(intake: Intake, backend: MemoryBackend) -> None:
    payload = gl.merge_request("open")
    del payload["object_attributes"]["last_commit"]
    answer = intake.receive_gitlab(_headers(), _body(payload))
    assert answer.status == 400
    assert "object_attributes.last_commit.id" in answer.text
    assert intake.receive_gitlab(_headers(), b"[1]") == Answer(400, "the body is not a JSON object")
    assert backend.queued == {}


def test_the_rerun_command_queues_a_rerun(intake: Intake, backend: MemoryBackend) -> None:
    body = _body(gl.note("/gitops-validator rerun"))
    assert intake.receive_gitlab(_headers("Note Hook"), body).status == 202
    (job,) = backend.queued.values()
    assert job.rerun


def test_a_body_over_the_cap_is_413_first(intake: Intake, metrics: AppMetrics) -> None:
    body = b" " * (SETTINGS.max_body_bytes + 1)
    assert intake.receive_gitlab(_headers(token="wrong"), body).status == 413
    assert intake.too_large(_headers(), platform=Platform.GITLAB).status == 413
    assert deliveries_counted(metrics, "Merge Request Hook", "too_large") == 2


def test_a_storage_failure_is_503_and_the_retry_is_accepted(intake: Intake, backend: MemoryBackend) -> None:
    body = _body(gl.merge_request("open"))
    backend.fail.add("accept")
    assert intake.receive_gitlab(_headers(key="k"), body).status == 503
    backend.fail.clear()
    assert intake.receive_gitlab(_headers(key="k"), body).status == 202


@pytest.mark.parametrize(("project", "token", "status"), [
    ("platform/infra/deploy", "deploy-secret", 202),
    ("platform/infra/deploy", "group-secret", 401),   # the project's own secret is the one that counts
    ("platform/apps/web", "group-secret", 202),
    ("platform/apps/web", "deploy-secret", 401),      # one project's secret cannot ask for another's work
    ("elsewhere/app", "group-secret", 401),           # no scope covers it
])
def test_per_scope_secrets(backend: MemoryBackend, metrics: AppMetrics, project: str, token: str,
                           status: int) -> None:
    intake = Intake(SCOPED, backend, metrics)
    answer = intake.receive_gitlab(_headers(token=token), _body(gl.merge_request("open", project=project)))
    assert answer.status == status, answer
    assert len(backend.queued) == (status == 202)
    if status == 401:
        assert answer.text == f"X-Gitlab-Token is not the webhook secret of {project}"


def test_an_event_without_a_project_needs_a_known_token_only(backend: MemoryBackend,
                                                             metrics: AppMetrics) -> None:
    intake = Intake(SCOPED, backend, metrics)
    assert intake.receive_gitlab(_headers("System Hook", token="group-secret"), b"{}").status == 202
    assert intake.receive_gitlab(_headers("System Hook", token="nope"), b"{}").status == 401
