"""A real Redis on loopback for the distributed-queue tests: Debian's ``redis-server``
(``.ci/run`` installs it), started per test on a free port with a data folder of its own.

Persistence is append-only with ``appendfsync always`` unless a test asks otherwise: what a
command wrote survives even a SIGKILL of the server, which is what the restart test proves and
what production is told to configure (docs/app.md, "Redis"). ``maxmemory-policy noeviction``
as production needs it too (an evicted job key or queued message would be a lost job).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from validator.process import Command, start, stop


def find_redis_server() -> Path:
    """``redis-server``; the test fails (never skips) naming how to install it."""
    found = os.environ.get("GITOPS_VALIDATOR_REDIS_SERVER") or shutil.which("redis-server") or (
        "/usr/bin/redis-server")
    if not (Path(found).is_file() and os.access(found, os.X_OK)):
        pytest.fail("redis-server is not installed: `apt-get install redis-server` "
                    "(.ci/run does it) or set GITOPS_VALIDATOR_REDIS_SERVER")
    return Path(found)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A running (or stopped, then restarted) ``redis-server`` on 127.0.0.1."""

    folder: Path
    port: int
    fsync: str = "always"
    """``appendfsync``: ``always``, ``everysec``; ``no-aof``: no persistence at all."""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (again: the same port and data folder) and wait until PING answers."""
        binary = find_redis_server()
        persistence: tuple[str, ...] = ("--appendonly", "no") if self.fsync == "no-aof" else (
            "--appendonly", "yes", "--appendfsync", self.fsync)
        args = (str(binary), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.folder), "--save", "", *persistence,
                "--maxmemory-policy", "noeviction", "--daemonize", "no",
                "--protected-mode", "yes")
        self.proc = start(Command(args=args, cwd=self.folder), log_path=self.folder / "redis.log")
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                with suppress(redis.RedisError):
                    if client.ping():
                        return
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        finally:
            client.close()
        log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
        self.stop()
        pytest.fail(f"redis-server did not start on port {self.port}: {log}")

    def stop(self) -> None:
        """SIGTERM (Redis flushes and exits), SIGKILL after a grace period."""
        if self.proc is not None:
            stop(self.proc, grace=10)
            self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final flush (a power cut, as far as Redis can tell)."""
        if self.proc is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            stop(self.proc)
            self.proc = None


@contextmanager
def redis_server(folder: Path, *, fsync: str = "always") -> Iterator[RedisServer]:
    """A Redis storing under ``folder`` for the block; stopped after, whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(folder=folder, port=_free_port(), fsync=fsync)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh Redis of this test's own (stopped after it)."""
    with redis_server(tmp_path / "redis") as server:
        yield server.url
