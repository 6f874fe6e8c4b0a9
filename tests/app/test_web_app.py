"""The Flask app over the real backends: SQLite in a temporary data folder, and a loopback Redis."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support import github_events as ev
from tests.support.github_events import PR
from tests.support.redis_server import redis_server
from validator.app.details_link import link_key, page_path
from validator.app.evaluation import Evaluation, EvaluationState
from validator.app.services import AppServices, open_services
from validator.app.settings import AppSettings
from validator.app.web import WEBHOOK_PATH, create_app

SECRET = "webhook-secret"
T = TypeVar("T")


def _settings(tmp_path: Path, redis_url: str = "") -> AppSettings:
    return AppSettings(app_id=4242, private_key="", webhook_secret=SECRET, data_dir=tmp_path / "data",
                       max_body_bytes=256 * 1024, redis_url=redis_url)


@pytest.fixture(params=["embedded", "redis"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppServices]:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(tmp_path / "redis")).url if request.param == "redis" else ""
        opened = open_services(_settings(tmp_path, url))
        stack.callback(opened.close)
        yield opened


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Iterator[AppServices]:
    opened = open_services(_settings(tmp_path))
    yield opened
    opened.close()


@pytest.fixture
def client(services: AppServices) -> FlaskClient:
    return create_app(services).test_client()


def _post(client: FlaskClient, event: str, payload: object, delivery: str = "d-1", *,
          secret: str = SECRET, body: bytes | None = None) -> tuple[int, str]:
    data = body if body is not None else json.dumps(payload).encode()
    response = client.post(WEBHOOK_PATH, data=data, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
        "X-Hub-Signature-256": ev.sign(secret, data)})
    return response.status_code, response.get_data(as_text=True)


def _metrics(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def test_a_delivery_is_queued_once_and_a_redelivery_is_acknowledged(client: FlaskClient,
                                                                      services: AppServices) -> None:
    payload = ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)
    assert _post(client, "pull_request", payload) == (
        202, "queued 1 job: pull_request.opened: acme/deploy#7 at bbbbbbbbbbbb\n")
    assert _post(client, "pull_request", payload) == (200, "duplicate delivery d-1: already received\n")
    assert services.backend.depth() == 1


def test_a_bad_signature_is_401_and_nothing_is_queued(client: FlaskClient, services: AppServices) -> None:
    payload = ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)
    assert _post(client, "pull_request", payload, secret="guess")[0] == 401
    response = client.post(WEBHOOK_PATH, data=json.dumps(payload), headers={
        "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-2"})
    assert response.status_code == 401
    assert services.backend.depth() == 0
    # neither was recorded: the same delivery, signed, is accepted
    assert _post(client, "pull_request", payload)[0] == 202


def test_each_event_type_queues_its_jobs(client: FlaskClient, services: AppServices) -> None:
    repo, sha, app = "acme/deploy", "b" * 40, 4242
    deliveries = [
        ("pull_request", ev.with_installation(ev.pull_request_event("synchronize", repo, PR()), 3), 1),
        ("check_suite", ev.check_suite_event("requested", repo, head_sha="c" * 40, app_id=app), 1),
        ("check_suite", ev.check_suite_event("rerequested", repo, head_sha=sha, pulls=[PR()], app_id=app), 1),
        ("check_run", ev.check_run_event("rerequested", repo, head_sha=sha, pulls=[PR()], app_id=app), 1),
        ("check_run", ev.check_run_event("requested_action", repo, head_sha=sha, app_id=app), 1),
        ("merge_group", {**ev.merge_group_event(repo, head_sha="d" * 40, base_sha="a" * 40),
                         "installation": {"id": 3}}, 1),
        ("installation", ev.installation_event(installation_id=3, app_id=app), 0),
        ("installation_repositories", ev.installation_repositories_event("added", [repo], installation_id=3),
         0),
        ("ping", ev.ping_event(app_id=app), 0),
    ]
    expected = 0
    for index, (event, payload, jobs) in enumerate(deliveries):
        status, text = _post(client, event, payload, f"d-{index}")
        assert status == 202, text
        expected += jobs
        assert services.backend.depth() == expected, (event, text)
    samples = _metrics(client)
    assert samples[("gitops_validator_queue_depth", ())] == expected
    deliveries_total = "gitops_validator_deliveries_total"
    assert samples[(deliveries_total, (("event", "check_suite"), ("outcome", "queued")))] == 2
    assert samples[(deliveries_total, (("event", "ping"), ("outcome", "ignored")))] == 1


def test_a_body_over_the_cap_is_413(client: FlaskClient, services: AppServices) -> None:
    body = b"{" + b" " * services.settings.max_body_bytes + b"}"
    assert _post(client, "pull_request", None, body=body)[0] == 413
    assert services.backend.depth() == 0
    key = ("gitops_validator_deliveries_total", (("event", "pull_request"), ("outcome", "too_large")))
    assert _metrics(client)[key] == 1


def test_health_and_readiness(client: FlaskClient, services: AppServices) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_data(as_text=True)) == (200, "ready\n")


def _get(client: FlaskClient, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def _in_new_thread(call: Callable[[], T]) -> T:
    """``call`` on a thread of its own, as Werkzeug's threaded server answers each request (the
    SQLite backend keeps a connection per thread: a new one opens the file as it is now)."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    thread.join()
    return results[0]


def test_readyz_is_503_with_the_reason_when_the_queue_file_is_unusable(sqlite_services: AppServices) -> None:
    services, client = sqlite_services, create_app(sqlite_services).test_client()
    queue_file = services.settings.data_dir / "queue.sqlite3"
    assert _in_new_thread(lambda: client.get("/readyz").status_code) == 200
    with queue_file.open("r+b") as raw:  # the same file, no longer a database
        raw.write(b"this is not a SQLite database at all. " * 200)
    for extra in ("-wal", "-shm"):
        queue_file.with_name(queue_file.name + extra).unlink(missing_ok=True)
    status, text = _in_new_thread(lambda: _get(client, "/readyz"))
    assert status == 503
    assert text.startswith(f"not ready: {queue_file}")
    body = json.dumps(ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)).encode()
    assert _in_new_thread(lambda: _post(client, "pull_request", None, body=body))[0] == 503
    assert client.get("/healthz").status_code == 200
    assert _in_new_thread(lambda: client.get("/metrics").status_code) == 200


def test_the_details_page_of_an_evaluation_is_mounted(client: FlaskClient, services: AppServices) -> None:
    evaluation = Evaluation(id="0123456789abcdef0123", repository="acme/deploy", head_sha="b" * 40,
                            base_sha="a" * 40, pull_number=7, event="pull_request.opened",
                            state=EvaluationState.COMPLETED, created_at="2026-11-26T18:00:00Z",
                            conclusion="success", title="No new findings")
    services.evaluations.save(evaluation)
    key = link_key(services.settings.webhook_secret)
    assert client.get(f"/evaluations/{evaluation.id}").status_code == 404, "the link is signed"
    page = client.get(page_path(evaluation.id, key))
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "acme/deploy" in page.get_data(as_text=True)
    assert client.get(page_path("ffffffffffffffffffff", key)).status_code == 404


def test_redis_down_is_503_and_the_delivery_is_accepted_once_it_is_back(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as server:
        services = open_services(_settings(tmp_path, server.url))
        try:
            client = create_app(services).test_client()
            payload = ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)
            server.stop()
            status, text = _get(client, "/readyz")
            assert status == 503
            assert text.startswith("not ready: ")
            assert _post(client, "pull_request", payload)[0] == 503
            server.start()
            assert _get(client, "/readyz")[0] == 200
            assert _post(client, "pull_request", payload)[0] == 202  # GitHub's redelivery
            assert services.backend.depth() == 1
        finally:
            services.close()
