"""The SQLite evaluation store: JSON both ways, insert or replace, purge by age, threads, reopen."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import flask
import pytest

from validator.app.details import details_blueprint
from validator.app.evaluation import Evaluation, EvaluationState, SourceLine, StoredFinding
from validator.app.evaluation_json import evaluation_from_json, evaluation_to_json
from validator.app.evaluations_sqlite import SqliteEvaluations
from validator.app.jobs import BackendUnavailable


def _evaluation(evaluation_id: str = "0123456789abcdef0123", *,
                created_at: str = "2026-11-20T10:00:00Z") -> Evaluation:
    return Evaluation(
        id=evaluation_id, repository="octo-org/gitops", head_sha="b" * 40, base_sha="a" * 40,
        pull_number=7, event="pull_request.opened", state=EvaluationState.COMPLETED,
        created_at=created_at, finished_at="2026-11-20T10:00:03Z", conclusion="failure",
        title="1 new finding", error="", rendered_diff="--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n",
        versions={"opa": "1.0.0", "policies": "a" * 40}, check_run_url="https://x/runs/1",
        pull_url="https://github.com/octo-org/gitops/pull/7",
        findings=(StoredFinding(status="new", severity="error", rule="K8S-001", message="m <b>",
                                path="apps/a.yaml", line=3, resource="Deployment/shop/web",
                                field="spec.x", context=(SourceLine(number=2, text="a: 1"),
                                                         SourceLine(number=3, text="b: 2"))),
                  StoredFinding(status="fixed", severity="warning", rule="R", message="gone",
                                path="apps/b.yaml", line=None)))


def test_json_round_trip_gives_back_an_equal_evaluation() -> None:
    evaluation = _evaluation()
    assert evaluation_from_json(evaluation_to_json(evaluation)) == evaluation
    queued = Evaluation(id="x", repository="o/r", head_sha="h", base_sha="", pull_number=None,
                        event="", state=EvaluationState.QUEUED, created_at="2026-01-01T00:00:00Z")
    assert evaluation_from_json(evaluation_to_json(queued)) == queued


@pytest.mark.parametrize("text", ["[]", "{}", '{"id": 1}', "not json"])
def test_json_that_is_not_an_evaluation_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="evaluation"):
        evaluation_from_json(text)


def test_save_get_replace_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "evaluations.sqlite3"
    store = SqliteEvaluations(path)
    evaluation = _evaluation()
    assert store.get(evaluation.id) is None
    store.save(replace(evaluation, state=EvaluationState.RUNNING, findings=()))
    store.save(evaluation)
    assert store.get(evaluation.id) == evaluation
    store.close()
    reopened = SqliteEvaluations(path)
    assert reopened.get(evaluation.id) == evaluation
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = [row[1] for row in raw.execute("PRAGMA index_list(evaluations)")]
        assert any("created" in name for name in indexes)
    reopened.close()


def test_purge_deletes_only_what_was_created_before(tmp_path: Path) -> None:
    store = SqliteEvaluations(tmp_path / "e.sqlite3")
    store.save(_evaluation("old", created_at="2026-11-01T00:00:00Z"))
    store.save(_evaluation("offset", created_at="2026-11-01T05:00:00+04:00"))  # 01:00 UTC
    store.save(_evaluation("new", created_at="2026-11-25T00:00:00+00:00"))
    assert store.purge(datetime(2026, 11, 1, 0, 30, tzinfo=UTC)) == 1
    assert store.get("old") is None
    assert store.get("offset") is not None
    assert store.purge(datetime(2026, 11, 10, tzinfo=UTC)) == 1
    assert store.get("new") is not None
    store.close()


def test_a_created_at_that_is_not_iso_8601_is_refused_naming_the_evaluation(tmp_path: Path) -> None:
    store = SqliteEvaluations(tmp_path / "e.sqlite3")
    with pytest.raises(ValueError, match=r"bad-date.*yesterday"):
        store.save(_evaluation("bad-date", created_at="yesterday"))
    store.close()


def test_threads_save_and_read_at_once(tmp_path: Path) -> None:
    store = SqliteEvaluations(tmp_path / "e.sqlite3")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(25):
                evaluation = _evaluation(f"t{n}-{i}")
                store.save(evaluation)
                assert store.get(evaluation.id) == evaluation
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert all(store.get(f"t{n}-24") is not None for n in range(4))
    store.close()


def test_a_file_that_is_not_a_database_is_backend_unavailable_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "evaluations.sqlite3"
    path.write_bytes(b"not a database, " * 512)
    with pytest.raises(BackendUnavailable, match=r"evaluations\.sqlite3"):
        SqliteEvaluations(path)


def test_a_store_broken_under_a_running_app_answers_503(tmp_path: Path) -> None:
    path = tmp_path / "evaluations.sqlite3"
    store = SqliteEvaluations(path)
    store.save(_evaluation())
    store.close()
    for leftover in tmp_path.glob("evaluations.sqlite3-*"):
        leftover.unlink()
    path.write_bytes(b"not a database, " * 512)  # replaced behind the open store's back
    app = flask.Flask(__name__)
    app.register_blueprint(details_blueprint(store))
    answer = app.test_client().get("/evaluations/0123456789abcdef0123")
    assert answer.status_code == 503
    assert "cannot be reached" in answer.get_data(as_text=True)
    with pytest.raises(BackendUnavailable, match=r"evaluations\.sqlite3"):
        store.purge(datetime(2026, 1, 1, tzinfo=UTC))
    store.close()
