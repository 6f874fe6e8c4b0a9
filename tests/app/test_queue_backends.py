"""``open_backend`` picks the embedded queue in the data folder when no Redis URL is set."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import pr_job
from validator.app.backends import open_backend, open_evaluations
from validator.app.evaluations_sqlite import SqliteEvaluations
from validator.app.queue.sqlite import SqliteBackend
from validator.app.settings import AppSettings


def test_the_embedded_queue_lives_in_the_data_folder_with_the_settings_limits(tmp_path: Path) -> None:
    settings = AppSettings(app_id=1, private_key="k", webhook_secret="s",
                           data_dir=tmp_path / "data", lease_seconds=7.0, max_attempts=4)
    backend = open_backend(settings)
    assert isinstance(backend, SqliteBackend)
    assert backend.path == tmp_path / "data" / "queue.sqlite3"
    assert (backend.lease_seconds, backend.max_attempts) == (7.0, 4)
    assert backend.enqueue(pr_job(1))
    backend.close()
    again = open_backend(settings)
    assert again.depth() == 1
    again.close()


def test_the_embedded_evaluations_live_in_the_data_folder(tmp_path: Path) -> None:
    settings = AppSettings(app_id=1, private_key="k", webhook_secret="s", data_dir=tmp_path)
    store = open_evaluations(settings)
    assert isinstance(store, SqliteEvaluations)
    assert store.path == tmp_path / "evaluations.sqlite3"
    assert store.get("nothing") is None
