"""One reconciliation sweep per interval however many processes share a backend: ``serve``
and every ``worker`` run the periodic sweep, and the backend lets one of them claim each round."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import redis_url
from validator.app.jobs import Backend
from validator.app.queue.redis import RedisBackend
from validator.app.queue.sqlite import SqliteBackend
from validator.app.runtime import reconcile_round
from validator.app.settings import AppSettings

__all__ = ["redis_url"]


@pytest.fixture(params=["sqlite", "redis"])
def two_processes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Backend, Backend]]:
    """Two openings of one backend, as two processes have."""
    opened: list[SqliteBackend | RedisBackend]
    if request.param == "sqlite":
        opened = [SqliteBackend(tmp_path / "queue.sqlite3", lease_seconds=30, max_attempts=3)
                  for _ in range(2)]
    else:
        url = request.getfixturevalue("redis_url")
        opened = [RedisBackend(url, heartbeat_timeout_ms=5000, max_attempts=3) for _ in range(2)]
    yield opened[0], opened[1]
    for backend in opened:
        backend.close()


def test_one_claim_per_interval_across_processes(two_processes: tuple[Backend, Backend]) -> None:
    first, second = two_processes
    assert first.claim_sweep("reconcile", 3600)
    assert not second.claim_sweep("reconcile", 3600)
    assert not first.claim_sweep("reconcile", 3600)
    assert second.claim_sweep("retention", 3600), "each sweep has its own claim"


def test_a_claim_lapses_after_its_interval(two_processes: tuple[Backend, Backend]) -> None:
    first, second = two_processes
    assert first.claim_sweep("reconcile", 0.001)
    for _ in range(200):  # bounded: the claim lapses after a millisecond
        if second.claim_sweep("reconcile", 3600):
            break
    else:
        pytest.fail("the lapsed claim was never taken")


def test_serve_and_workers_sweep_once_per_round(two_processes: tuple[Backend, Backend]) -> None:
    """``serve`` and each ``worker`` run the reconciliation schedule; one of them sweeps."""
    settings = AppSettings(app_id=1, private_key="k", webhook_secret="s", reconcile_seconds=600)
    swept: list[str] = []
    ran = [reconcile_round(backend, settings, functools.partial(swept.append, name))
           for name, backend in zip(("serve", "worker"), two_processes, strict=True)]
    assert ran == [True, False]
    assert swept == ["serve"]
