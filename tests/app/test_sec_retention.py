"""Retention holds in every process layout: evaluations (findings quoting a repository's
manifests and source lines) are deleted after ``retention_days``, also when the app runs as
gunicorn + ``gitops-validator worker`` and when it is restarted more often than daily."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from validator.app.evaluation import Evaluation, EvaluationState
from validator.app.runtime import work_forever
from validator.app.services import open_services
from validator.app.settings import AppSettings


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _evaluation(evaluation_id: str, created: datetime) -> Evaluation:
    return Evaluation(id=evaluation_id, repository="octo-org/gitops", head_sha="b" * 40, base_sha="a" * 40,
                      pull_number=7, event="pull_request.opened", state=EvaluationState.COMPLETED,
                      created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_a_worker_process_purges_expired_evaluations_when_it_starts(tmp_path: Path, private_key: str) -> None:
    """``gitops-validator worker`` (the documented production layout beside gunicorn, which
    runs no background threads) deleted nothing: the purge lived in ``serve`` only, and there
    first after 24 hours, so a process restarted daily never purged."""
    settings = AppSettings(app_id=4242, private_key=private_key, webhook_secret="s3cret",
                           data_dir=tmp_path / "data", retention_days=30, api_url="http://127.0.0.1:9")
    services = open_services(settings)
    now = datetime.now(UTC)
    services.evaluations.save(_evaluation("00000000000000000001", now - timedelta(days=40)))
    services.evaluations.save(_evaluation("00000000000000000002", now - timedelta(days=1)))
    stop = threading.Event()
    worker = threading.Thread(target=work_forever, args=(services,),
                              kwargs={"threads": 1, "stop": stop}, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and services.evaluations.get("00000000000000000001") is not None:
            time.sleep(0.05)
        assert services.evaluations.get("00000000000000000001") is None, "expired: deleted"
        assert services.evaluations.get("00000000000000000002") is not None, "within retention: kept"
    finally:
        stop.set()
        worker.join(60)
        services.close()
    assert not worker.is_alive()
