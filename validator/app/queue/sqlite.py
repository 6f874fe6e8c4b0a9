"""The embedded queue: deliveries seen, jobs and lanes in one SQLite file (WAL) in the data folder.

Why SQLite and these settings:

- WAL lets intake threads, worker threads and other processes on the same host read while one
  writes; writers take turns (``sqlite_file.py``).
- ``synchronous=FULL``: a delivery is answered 202 once its transaction commits, and GitHub does
  not send it again; with ``NORMAL`` a power loss or kernel crash could roll back the last
  commits (the process dying cannot). The fsync that ``FULL`` adds costs ~0.2 ms on an idle
  disk and several ms on a busy one; concurrent deliveries share it (group commit), so nothing
  acknowledged is ever lost and the intake rate is not capped by the disk's fsync rate.
- Every write is one ``BEGIN IMMEDIATE`` transaction, so two processes never interleave a
  lease; concurrent deliveries share one (``group_commit.py``).

A job is ``queued`` -> ``leased`` (a worker holds it until ``lease_until``; a heartbeat,
:meth:`SqliteBackend.extend`, pushes that on) -> ``done`` or ``poisoned``. A lease that expires
(its worker died) is taken again with one more attempt; when the attempts are spent the job
comes back once more, :meth:`Leased.exhausted`, so that a worker reports it on its check run
(``WorkerPool`` calls ``poison``) and then :meth:`SqliteBackend.failed` marks it poisoned.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from validator.app.jobs import Accepted, BackendUnavailable
from validator.app.model import JobSpec
from validator.app.queue.group_commit import GroupCommit
from validator.app.queue.sqlite_file import SqliteFile

__all__ = ["Leased", "SqliteBackend"]

_LOG = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_seen ON deliveries (seen_at);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    lane TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'poisoned')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    lease_until REAL,
    worker TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    enqueued_at REAL NOT NULL,
    available_at REAL NOT NULL,
    finished_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_active_key ON jobs (key) WHERE state IN ('queued', 'leased');
CREATE INDEX IF NOT EXISTS jobs_queued ON jobs (id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS jobs_leased ON jobs (lease_until) WHERE state = 'leased';
CREATE UNIQUE INDEX IF NOT EXISTS jobs_token ON jobs (lease_token) WHERE lease_token IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS sweeps (name TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lanes (
    lane TEXT PRIMARY KEY, head_sha TEXT NOT NULL, seq INTEGER NOT NULL, updated_at REAL NOT NULL
);
"""

_PRUNE_EVERY = 3600.0
_MAX_BACKOFF = 3600.0


@dataclass(frozen=True, kw_only=True)
class Leased:
    """A job a worker holds; ``token`` proves the lease in every later call."""

    job: JobSpec
    attempt: int
    """1 for the first run; one more for each failure or expired lease."""
    token: str
    last_error: str = ""
    """Why the previous attempt ended (empty on the first)."""

    def exhausted(self, max_attempts: int) -> bool:
        """Every attempt is spent: report the job as poisoned instead of running it again."""
        return self.attempt > max_attempts


class SqliteBackend:
    """:class:`validator.app.jobs.Backend` on one SQLite file, plus the worker side."""

    def __init__(self, path: Path, *, lease_seconds: float, max_attempts: int,
                 retry_seconds: float = 10.0, keep_days: float = 7.0,
                 busy_timeout: float = 30.0) -> None:
        self.path = path
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        """Backoff after the first failure; doubled for each further one (capped at an hour)."""
        self.keep_days = keep_days
        """Deliveries and finished jobs older than this are forgotten (GitHub redelivers for 3)."""
        self._file = SqliteFile(path, schema=_SCHEMA, busy_timeout=busy_timeout)
        self._accepts: GroupCommit[tuple[str, tuple[JobSpec, ...]], Accepted | None] = GroupCommit(
            self._accept_batch)
        self._pruned_at = 0.0

    @property
    def commits(self) -> int:
        """Write transactions committed (concurrent :meth:`accept` calls share them)."""
        return self._file.commits

    def close(self) -> None:
        """Release the connections; later calls raise :class:`BackendUnavailable`."""
        self._file.close()

    # -- intake -------------------------------------------------------------------------------

    def first_delivery(self, delivery_id: str) -> bool:
        """Record ``X-GitHub-Delivery``; False when it was recorded before (a redelivery)."""
        with self._file.write() as connection:
            return _record_delivery(connection, delivery_id, time.time())

    def enqueue(self, job: JobSpec) -> bool:
        """Queue ``job`` (committed before this returns); False when its key is queued or leased."""
        with self._file.write() as connection:
            return _enqueue(connection, job, time.time())

    def accept(self, delivery_id: str, jobs: Sequence[JobSpec]) -> Accepted | None:
        """Record the delivery and queue its jobs in one transaction; None for a redelivery
        (nothing queued). The delivery counts as seen only once its jobs are queued, so a
        failure here leaves GitHub's retry of it free to run. Concurrent calls share one
        transaction (:mod:`group_commit`); each returns once it is committed."""
        return self._accepts.submit((delivery_id, tuple(jobs)))

    def _accept_batch(self, requests: Sequence[tuple[str, tuple[JobSpec, ...]]],
                      ) -> list[Accepted | BaseException | None]:
        """Each request in a savepoint of one transaction: one that fails leaves the others."""
        now = time.time()
        results: list[Accepted | BaseException | None] = []
        with self._file.write() as connection:
            for delivery_id, jobs in requests:
                connection.execute("SAVEPOINT delivery")
                try:
                    first = _record_delivery(connection, delivery_id, now)
                    queued = sum(_enqueue(connection, job, now) for job in jobs) if first else 0
                    accepted = Accepted(queued, len(jobs) - queued) if first else None
                except sqlite3.Error as err:
                    connection.execute("ROLLBACK TO delivery")
                    results.append(BackendUnavailable(f"{self.path}: {err}"))
                else:
                    results.append(accepted)
                connection.execute("RELEASE delivery")
        return results

    def latest_head(self, lane: str) -> str | None:
        """The head SHA most recently enqueued (not as a rerun) for ``lane``."""
        rows = self._file.read("SELECT head_sha FROM lanes WHERE lane = ?", (lane,))
        return str(rows[0][0]) if rows else None

    def depth(self) -> int:
        """Jobs queued or leased."""
        rows = self._file.read("SELECT count(*) FROM jobs WHERE state IN ('queued', 'leased')")
        return int(str(rows[0][0]))

    def claim_sweep(self, name: str, seconds: float) -> bool:
        """The ``name`` sweep's round for ``seconds``, unless another process holds it."""
        now = time.time()
        with self._file.write() as connection:
            claimed = connection.execute(
                "INSERT INTO sweeps (name, until) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET until = excluded.until WHERE sweeps.until <= ?", (name, now + seconds, now))
            return claimed.rowcount == 1

    def check_ready(self) -> None:
        """A real query on the file; :class:`BackendUnavailable` names it and sqlite's message."""
        self.depth()

    # -- workers ------------------------------------------------------------------------------

    def lease(self, worker: str) -> Leased | None:
        """The job whose lease expired longest ago, else the oldest queued one; None: nothing."""
        now = time.time()
        if now - self._pruned_at > _PRUNE_EVERY:
            self._pruned_at = now
            self.prune()
        with self._file.write() as connection:
            while (row := _next_job(connection, now)) is not None:
                job_id, payload, attempts, last_error, state, holder = row
                if state == "leased":
                    last_error = f"lease expired: worker {holder!r} stopped on attempt {attempts}"
                    if attempts > self.max_attempts:
                        _LOG.error("job %s poisoned: its poison report's %s", job_id, last_error)
                        connection.execute(
                            "UPDATE jobs SET state = 'poisoned', lease_token = NULL, "
                            "finished_at = ?, last_error = ? WHERE id = ?",
                            (now, last_error, job_id))
                        continue
                token = uuid.uuid4().hex
                connection.execute(
                    "UPDATE jobs SET state = 'leased', attempts = ?, lease_token = ?, "
                    "lease_until = ?, worker = ?, last_error = ? WHERE id = ?",
                    (attempts + 1, token, now + self.lease_seconds, worker, last_error, job_id))
                try:
                    job = JobSpec.from_json(payload)
                except ValueError as err:
                    _LOG.error("%s: job %s dropped: %s", self.path, job_id, err)
                    connection.execute("UPDATE jobs SET state = 'poisoned', finished_at = ?, "
                                       "last_error = ? WHERE id = ?", (now, str(err), job_id))
                    continue
                return Leased(job=job, attempt=attempts + 1, token=token, last_error=last_error)
            return None

    def extend(self, leased: Leased) -> bool:
        """Heartbeat: the lease lasts ``lease_seconds`` from now; False when it was lost."""
        with self._file.write() as connection:
            cursor = connection.execute(
                "UPDATE jobs SET lease_until = ? WHERE lease_token = ? AND state = 'leased'",
                (time.time() + self.lease_seconds, leased.token))
            return cursor.rowcount == 1

    def done(self, leased: Leased) -> bool:
        """The job finished; False when its lease had been lost (another worker has it)."""
        return self._finish(leased, "done", "")

    def failed(self, leased: Leased, error: str) -> bool:
        """The attempt failed. True: it will be retried after a backoff (or another worker holds
        it now); False: its attempts are spent and it is poisoned."""
        now = time.time()
        with self._file.write() as connection:
            rows = connection.execute(
                "SELECT attempts FROM jobs WHERE lease_token = ? AND state = 'leased'",
                (leased.token,)).fetchall()
            if not rows:
                _LOG.warning("job %s: failed after its lease was lost", leased.job.key)
                return True
            attempts = int(rows[0][0])
            if attempts >= self.max_attempts:
                connection.execute(
                    "UPDATE jobs SET state = 'poisoned', lease_token = NULL, finished_at = ?, "
                    "last_error = ? WHERE lease_token = ?", (now, error, leased.token))
                return False
            delay = min(self.retry_seconds * 2 ** (attempts - 1), _MAX_BACKOFF)
            connection.execute(
                "UPDATE jobs SET state = 'queued', lease_token = NULL, available_at = ?, "
                "last_error = ? WHERE lease_token = ?", (now + delay, error, leased.token))
            return True

    def release(self, leased: Leased) -> bool:
        """Give the job back unfinished (the worker stops): queued at once, the attempt unspent."""
        with self._file.write() as connection:
            cursor = connection.execute(
                "UPDATE jobs SET state = 'queued', lease_token = NULL, available_at = 0, "
                "attempts = attempts - 1 WHERE lease_token = ? AND state = 'leased'",
                (leased.token,))
            return cursor.rowcount == 1

    def _finish(self, leased: Leased, state: str, error: str) -> bool:
        with self._file.write() as connection:
            cursor = connection.execute(
                "UPDATE jobs SET state = ?, lease_token = NULL, finished_at = ?, last_error = ? "
                "WHERE lease_token = ? AND state = 'leased'",
                (state, time.time(), error, leased.token))
            if cursor.rowcount != 1:
                _LOG.warning("job %s: finished after its lease was lost", leased.job.key)
            return cursor.rowcount == 1

    def prune(self, before: float | None = None) -> int:
        """Forget deliveries and finished jobs older than ``before`` (default: ``keep_days``
        ago), and lanes idle since then with no job; how many deliveries and jobs went."""
        cutoff = time.time() - self.keep_days * 86400 if before is None else before
        with self._file.write() as connection:
            gone = connection.execute("DELETE FROM deliveries WHERE seen_at < ?",
                                      (cutoff,)).rowcount
            gone += connection.execute(
                "DELETE FROM jobs WHERE finished_at < ? AND state IN ('done', 'poisoned')",
                (cutoff,)).rowcount
            connection.execute(
                "DELETE FROM lanes WHERE updated_at < ? AND NOT EXISTS (SELECT 1 FROM jobs "
                "WHERE jobs.lane = lanes.lane AND state IN ('queued', 'leased'))", (cutoff,))
        return gone


def _record_delivery(connection: sqlite3.Connection, delivery_id: str, now: float) -> bool:
    cursor = connection.execute("INSERT OR IGNORE INTO deliveries (id, seen_at) VALUES (?, ?)",
                                (delivery_id, now))
    return cursor.rowcount == 1


def _enqueue(connection: sqlite3.Connection, job: JobSpec, now: float) -> bool:
    cursor = connection.execute(
        "INSERT OR IGNORE INTO jobs (key, lane, payload, state, enqueued_at, available_at) "
        "VALUES (?, ?, ?, 'queued', ?, ?)", (job.key, job.lane, job.to_json(), now, now))
    if not job.rerun:
        connection.execute(
            "INSERT INTO lanes (lane, head_sha, seq, updated_at) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (lane) DO UPDATE SET head_sha = excluded.head_sha, seq = seq + 1, "
            "updated_at = excluded.updated_at", (job.lane, job.head_sha, now))
    return cursor.rowcount == 1


def _next_job(connection: sqlite3.Connection,
              now: float) -> tuple[int, str, int, str, str, str] | None:
    """An expired lease first (its job is the oldest work), else the oldest queued job."""
    for sql in ("SELECT id, payload, attempts, last_error, state, worker FROM jobs "
                "WHERE state = 'leased' AND lease_until < ? ORDER BY lease_until LIMIT 1",
                "SELECT id, payload, attempts, last_error, state, worker FROM jobs "
                "WHERE state = 'queued' AND available_at <= ? ORDER BY id LIMIT 1"):
        row = connection.execute(sql, (now,)).fetchone()
        if row is not None:
            return (int(row[0]), str(row[1]), int(row[2]), str(row[3]), str(row[4]), str(row[5]))
    return None
