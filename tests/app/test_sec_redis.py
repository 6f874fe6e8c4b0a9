"""Growth of what the Redis backend keeps: nothing a stream of pull requests adds stays forever."""

from __future__ import annotations

import time

import redis

from tests.support.redis_server import redis_url
from validator.app.model import JobKind, JobSpec
from validator.app.queue.redis import RedisBackend
from validator.app.queue.redis_layout import LANES

__all__ = ["redis_url"]


def _job(number: int, head: str) -> JobSpec:
    return JobSpec(kind=JobKind.PULL_REQUEST, installation_id=1, repository="org/repo",
                   clone_url="https://github.com/org/repo.git", head_sha=head, base_sha="b" * 40,
                   pull_number=number, event="pull_request.opened", delivery=f"d{number}")


def test_idle_lanes_are_forgotten(redis_url: str) -> None:
    """Every pull request (and every merge queue group: a new head ref each) is a lane; in the
    embedded queue an idle lane is pruned with the deliveries, in Redis it stayed in one hash
    for ever (``maxmemory-policy noeviction``: Redis fills up)."""
    backend = RedisBackend(redis_url, heartbeat_timeout_ms=5000, max_attempts=3, lane_seconds=1)
    client = redis.Redis.from_url(redis_url)
    try:
        for number in range(1, 51):
            assert backend.accept(f"old-{number}", [_job(number, "a" * 40)])
        assert client.hlen(LANES) == 50
        assert backend.latest_head("org/repo#7") == "a" * 40
        time.sleep(1.2)
        assert backend.accept("new", [_job(99, "c" * 40)])  # intake prunes as it goes
        assert client.hlen(LANES) == 1
        assert backend.latest_head("org/repo#7") is None
        assert backend.latest_head("org/repo#99") == "c" * 40
    finally:
        client.close()
        backend.close()
