"""One SQLite file shared by threads and processes: a connection per thread, writers in turn.

``sqlite3`` connections must not be used by two threads at once, so each thread gets its own
(all closed by :meth:`SqliteFile.close`). Writers take turns on a thread lock and on
``flock(<file>.lock)`` before ``BEGIN IMMEDIATE``: both wake the next writer at once, where
SQLite's own busy handler sleeps up to 100 ms between tries and, under a burst of deliveries,
starved single writers for seconds (``benchmarks/bench_queue.py``). Every failure is a
:class:`BackendUnavailable` naming the file and SQLite's message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from validator.app.jobs import BackendUnavailable

__all__ = ["SqliteFile"]


class SqliteFile:
    """The file at ``path`` in WAL mode with ``synchronous=FULL``, its tables made by ``schema``."""

    def __init__(self, path: Path, *, schema: str, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.commits = 0
        """Write transactions committed through this instance."""
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._writer = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise BackendUnavailable(f"{path}: cannot create it: {err}") from err
        try:
            self._connection().executescript(f"BEGIN IMMEDIATE;{schema}COMMIT;")
        except sqlite3.Error as err:
            self.close()
            raise BackendUnavailable(f"{path}: {err}") from err

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise BackendUnavailable(f"{self.path}: closed")
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        try:
            connection = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False, timeout=self._busy_timeout)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as err:
            raise BackendUnavailable(f"{self.path}: {err}") from err
        with self._lock:
            self._connections.append(connection)
        self._local.connection = connection
        return connection

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed when the block ends, else rolled back."""
        connection = self._connection()
        with self._writer, self._file_lock():
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    # SQLite may have rolled back already (a full disk): keep the first error.
                    with contextlib.suppress(sqlite3.Error):
                        if connection.in_transaction:
                            connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                self.commits += 1
            except sqlite3.Error as err:
                with contextlib.suppress(sqlite3.Error):
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                raise BackendUnavailable(f"{self.path}: {err}") from err

    def read(self, sql: str, parameters: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """The rows of one query."""
        try:
            return self._connection().execute(sql, parameters).fetchall()
        except sqlite3.Error as err:
            raise BackendUnavailable(f"{self.path}: {err}") from err

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except OSError as err:
            raise BackendUnavailable(f"{self.path}.lock: {err}") from err
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close every thread's connection; later calls raise :class:`BackendUnavailable`."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()
        with self._writer:
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1

