"""QA of intake as GitHub drives it, on both real backends (SQLite in a temporary folder, a
loopback Redis): what a delivery's answer and ``gitops_validator_deliveries_total`` say must be
what happened, as docs/app.md ("Endpoints and metrics") lists the outcomes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support import github_events as ev
from tests.support.redis_server import redis_server
from validator.app.services import open_services
from validator.app.settings import AppSettings
from validator.app.web import WEBHOOK_PATH, create_app

SECRET = "qa-secret"
EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "github" / "webhooks" / "examples"


@pytest.fixture(params=["embedded", "redis"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FlaskClient]:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(tmp_path / "redis")).url if request.param == "redis" else ""
        services = open_services(AppSettings(app_id=1, private_key="", webhook_secret=SECRET,
                                             data_dir=tmp_path / "data", redis_url=url))
        stack.callback(services.close)
        yield create_app(services).test_client()


def _deliver(client: FlaskClient, event: str, example: str, delivery: str) -> tuple[int, str]:
    body = (EXAMPLES / event / example).read_bytes()
    assert json.loads(body)["installation"]["id"]
    response = client.post(WEBHOOK_PATH, data=body, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": ev.sign(SECRET, body)})
    return response.status_code, response.get_data(as_text=True)


def _deliveries(client: FlaskClient) -> dict[str, float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {s.labels["outcome"]: s.value for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == "gitops_validator_deliveries_total"
            and s.labels["event"] == "pull_request"}


def test_a_new_delivery_of_work_already_queued_is_counted_and_answered_as_coalesced(
        client: FlaskClient) -> None:
    # opened, then reopened of the same pull request at the same head: two deliveries, one job
    status, text = _deliver(client, "pull_request", "opened.payload.json", "qa-1")
    assert (status, text.split(":")[0]) == (202, "queued 1 job")
    status, text = _deliver(client, "pull_request", "reopened.payload.json", "qa-2")
    assert status == 202
    assert text.startswith("already queued: ")
    assert _deliveries(client) == {"queued": 1.0, "coalesced": 1.0}
    assert client.get("/metrics").get_data(as_text=True).count("\ngitops_validator_queue_depth 1.0") == 1
