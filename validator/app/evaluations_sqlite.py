"""The embedded evaluation store: one SQLite file in the app's data folder (WAL), what the
details pages show.

Each evaluation is one row: its id, its creation time as seconds since the epoch (indexed,
for the retention purge: ISO 8601 texts with different offsets do not sort as times) and the
evaluation as JSON (:mod:`validator.app.evaluation_json`). Web threads read while worker
threads write, so every thread gets its own connection; WAL lets readers and the one writer
proceed together, and ``busy_timeout`` makes a second writer wait instead of failing.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from validator.app.evaluation import Evaluation
from validator.app.evaluation_json import evaluation_from_json, evaluation_to_json
from validator.app.jobs import BackendUnavailable

__all__ = ["SqliteEvaluations"]

_LOGGER = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS evaluations (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evaluations_created ON evaluations (created);
"""

#: How long a writer waits for another one (milliseconds) before SQLite reports "locked".
_BUSY_MS = 30_000


class SqliteEvaluations:
    """:class:`~validator.app.jobs.EvaluationStore` on a SQLite file (created with its folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        with self._reached():
            connection = self._connection()
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _reached(self) -> Iterator[None]:
        """SQLite's errors (a missing folder, a full disk, a file that is not a database) as
        :class:`BackendUnavailable` naming the file: ``/readyz`` and the pages answer 503."""
        try:
            yield
        except sqlite3.Error as err:
            raise BackendUnavailable(f"evaluations {self.path}: {err}") from err

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # autocommit (isolation_level None): each statement is its own transaction
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            connection.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints under WAL
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def check_ready(self) -> None:
        """A real read of the table (a file that is no longer a database fails here)."""
        with self._reached():
            self._connection().execute("SELECT id FROM evaluations LIMIT 1").fetchall()

    def save(self, evaluation: Evaluation) -> None:
        """Insert or replace the evaluation with this id."""
        created = _timestamp(evaluation)
        with self._reached():
            self._connection().execute(
                "INSERT INTO evaluations (id, created, body) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET created = excluded.created, body = excluded.body",
                (evaluation.id, created, evaluation_to_json(evaluation)))

    def get(self, evaluation_id: str) -> Evaluation | None:
        """The evaluation, or None (``ValueError`` naming the file when its row is not one)."""
        with self._reached():
            row = self._connection().execute(
                "SELECT body FROM evaluations WHERE id = ?", (evaluation_id,)).fetchone()
        if row is None:
            return None
        try:
            return evaluation_from_json(row[0])
        except ValueError as err:
            raise ValueError(f"{self.path}: evaluation {evaluation_id}: {err}") from err

    def purge(self, before: datetime) -> int:
        """Delete evaluations created before ``before`` (naive: UTC); how many were."""
        moment = before if before.tzinfo else before.replace(tzinfo=UTC)
        with self._reached():
            cursor = self._connection().execute(
                "DELETE FROM evaluations WHERE created < ?", (moment.timestamp(),))
        if cursor.rowcount:
            _LOGGER.info("purged %d evaluations created before %s", cursor.rowcount, moment.isoformat())
        return cursor.rowcount

    def close(self) -> None:
        """Close every thread's connection (the store is not used afterwards)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()


def _timestamp(evaluation: Evaluation) -> float:
    """``created_at`` as seconds since the epoch (no offset: UTC)."""
    try:
        moment = datetime.fromisoformat(evaluation.created_at)
    except ValueError as err:
        raise ValueError(f"evaluation {evaluation.id}: created_at {evaluation.created_at!r} is not "
                         "an ISO 8601 time") from err
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
