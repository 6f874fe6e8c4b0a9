"""QA of ``/readyz`` against docs/app.md ("200 when the queue and its storage are usable"): the
evaluations store is storage too; when it cannot be used every job fails at its record and
every details page answers 503, so the app is not ready."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from validator.app.services import AppServices, open_services
from validator.app.settings import AppSettings
from validator.app.web import create_app


@pytest.fixture
def services(tmp_path: Path) -> Iterator[AppServices]:
    opened = open_services(AppSettings(app_id=1, private_key="", webhook_secret="s",
                                       data_dir=tmp_path / "data"))
    yield opened
    opened.close()


def test_readyz_fails_when_the_evaluations_file_is_not_a_database(services: AppServices,
                                                                   tmp_path: Path) -> None:
    client = create_app(services).test_client()
    assert client.get("/readyz").status_code == 200
    for part in (tmp_path / "data").glob("evaluations.sqlite3*"):
        part.write_bytes(b"not a database " * 1000)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "evaluations" in response.get_data(as_text=True)
    assert str(tmp_path / "data" / "evaluations.sqlite3") in response.get_data(as_text=True)
