"""POST /webhooks/gitlab in the Flask app over the real SQLite queue: token, redelivery,
every merge request action, ignored events, per-scope secrets, a platform that is off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.app import gitlab_payloads as gl
from tests.support import github_events as ev
from tests.support.github_events import PR
from validator.app.services import AppServices, open_services
from validator.app.settings import AppSettings
from validator.app.web import GITLAB_WEBHOOK_PATH, WEBHOOK_PATH, create_app

SECRET = "gl-hook-secret"
GH_SECRET = "gh-secret"


def _services(tmp_path: Path, **values: Any) -> Iterator[AppServices]:
    opened = open_services(AppSettings(data_dir=tmp_path / "data", max_body_bytes=64 * 1024, **values))
    yield opened
    opened.close()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[AppServices]:
    yield from _services(tmp_path, gitlab_token="glpat-x", gitlab_webhook_secret=SECRET,
                         app_id=4242, webhook_secret=GH_SECRET)


@pytest.fixture
def client(services: AppServices) -> FlaskClient:
    return create_app(services).test_client()


def _post(client: FlaskClient, event: str, payload: object, *, token: str | None = SECRET,
          key: str | None = None, uuid: str | None = "u-1", body: bytes | None = None) -> tuple[int, str]:
    headers = {"X-Gitlab-Event": event, "Content-Type": "application/json"}
    for name, value in (("X-Gitlab-Token", token), ("Idempotency-Key", key), ("X-Gitlab-Event-UUID", uuid)):
        if value is not None:
            headers[name] = value
    data = body if body is not None else json.dumps(payload).encode()
    response = client.post(GITLAB_WEBHOOK_PATH, data=data, headers=headers)
    return response.status_code, response.get_data(as_text=True)


def _deliveries(client: FlaskClient) -> dict[tuple[str, str], float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {(s.labels["event"], s.labels["outcome"]): s.value
            for family in text_string_to_metric_families(text) for s in family.samples
            if s.name == "gitops_validator_deliveries_total"}


def test_a_merge_request_is_queued_once_and_a_redelivery_is_acknowledged(
        client: FlaskClient, services: AppServices) -> None:
    payload = gl.merge_request("open")
    assert _post(client, "Merge Request Hook", payload, key="k-1") == (
        202, f"queued 1 job: merge_request.open: platform/infra/deploy!7 at {gl.HEAD[:12]}\n")
    assert _post(client, "Merge Request Hook", payload, key="k-1", uuid="u-2") == (
        200, "duplicate delivery gitlab:platform/infra/deploy:k-1: already received\n")
    assert services.backend.depth() == 1
    assert _deliveries(client)[("Merge Request Hook", "queued")] == 1
    assert _deliveries(client)[("Merge Request Hook", "duplicate")] == 1


@pytest.mark.parametrize("token", [None, "wrong", GH_SECRET])
def test_a_wrong_or_missing_token_is_401_and_nothing_is_queued(client: FlaskClient, services: AppServices,
                                                               token: str | None) -> None:
    assert _post(client, "Merge Request Hook", gl.merge_request("open"), token=token) == (
        401, "missing or wrong X-Gitlab-Token\n")
    assert services.backend.depth() == 0
    # nothing was recorded either: the genuine delivery with the same ids is new
    assert _post(client, "Merge Request Hook", gl.merge_request("open"))[0] == 202


def test_every_merge_request_action(client: FlaskClient, services: AppServices) -> None:
    sent = [("open", None, 202), ("update", None, 202), ("update", gl.OLD, 202), ("close", None, 202),
            ("reopen", None, 202), ("merge", None, 202), ("approved", None, 202)]
    heads = iter("0123456789")
    for n, (action, oldrev, status) in enumerate(sent):
        payload = gl.merge_request(action, oldrev=oldrev, head=next(heads) * 40)
        assert _post(client, "Merge Request Hook", payload, key=f"k-{n}")[0] == status
    # open, update with new commits, reopen: three heads queued; the rest acknowledged
    assert services.backend.depth() == 3
    assert _deliveries(client)[("Merge Request Hook", "ignored")] == 4


@pytest.mark.parametrize(("event", "payload"), [
    ("Push Hook", gl.example("push.json")), ("Pipeline Hook", gl.example("pipeline.json")),
    ("Note Hook", gl.note("nice")), ("System Hook", {"event_name": "repository_update"}),
    ("Deployment Hook", {}), ("Unheard Of Hook", {}),
])
def test_ignored_events_are_2xx(client: FlaskClient, services: AppServices, event: str,
                                payload: dict[str, Any]) -> None:
    status, text = _post(client, event, payload)
    assert status == 202
    assert text.startswith("nothing to do: ")
    assert services.backend.depth() == 0


def test_the_rerun_command(client: FlaskClient, services: AppServices) -> None:
    assert _post(client, "Note Hook", gl.note("/gitops-validator rerun"))[0] == 202
    assert services.backend.depth() == 1


def test_a_body_over_the_cap_is_413(client: FlaskClient) -> None:
    assert _post(client, "Merge Request Hook", None, body=b"x" * (64 * 1024 + 1))[0] == 413
    assert _deliveries(client)[("Merge Request Hook", "too_large")] == 1


def test_github_and_gitlab_share_the_app(client: FlaskClient, services: AppServices) -> None:
    body = json.dumps(ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)).encode()
    response = client.post(WEBHOOK_PATH, data=body, headers={
        "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "k-1", "Content-Type": "application/json",
        "X-Hub-Signature-256": ev.sign(GH_SECRET, body)})
    assert response.status_code == 202
    # the same id from GitLab is another delivery
    assert _post(client, "Merge Request Hook", gl.merge_request("open"), key="k-1")[0] == 202
    assert services.backend.depth() == 2


def test_per_scope_secrets(tmp_path: Path) -> None:
    scopes = (("platform", "group-secret"), ("platform/infra/deploy", "deploy-secret"))
    for opened in _services(tmp_path, gitlab_token="glpat-x", gitlab_webhook_scopes=scopes):
        client = create_app(opened).test_client()
        deploy, web = gl.merge_request("open"), gl.merge_request("open", project="platform/apps/web")
        assert _post(client, "Merge Request Hook", deploy, token="group-secret")[0] == 401
        assert _post(client, "Merge Request Hook", web, token="deploy-secret")[0] == 401
        assert _post(client, "Merge Request Hook", web, token="other")[0] == 401
        assert opened.backend.depth() == 0
        assert _post(client, "Merge Request Hook", deploy, token="deploy-secret")[0] == 202
        assert _post(client, "Merge Request Hook", web, token="group-secret")[0] == 202
        assert opened.backend.depth() == 2


def test_a_platform_that_is_off_has_no_endpoint(tmp_path: Path) -> None:
    for opened in _services(tmp_path, app_id=4242, webhook_secret=GH_SECRET):
        client = create_app(opened).test_client()
        assert _post(client, "Merge Request Hook", gl.merge_request("open")) == (
            404, "gitlab is not configured in this app\n")
    for opened in _services(tmp_path, gitlab_token="glpat-x", gitlab_webhook_secret=SECRET):
        client = create_app(opened).test_client()
        response = client.post(WEBHOOK_PATH, data=b"{}", headers={"X-GitHub-Event": "ping"})
        assert response.status_code == 404
        assert _post(client, "Merge Request Hook", gl.merge_request("open"))[0] == 202
