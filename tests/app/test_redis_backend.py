"""The Redis backend's intake side on a real ``redis-server``: de-duplication of deliveries,
coalescing of identical jobs, lanes, depth, readiness, and the evaluations store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from tests.support.redis_server import redis_server, redis_url
from validator.app.backends import open_backend, open_evaluations
from validator.app.evaluation import Evaluation, EvaluationState, SourceLine, StoredFinding
from validator.app.evaluations_redis import RedisEvaluations
from validator.app.jobs import BackendUnavailable
from validator.app.model import JobKind, JobSpec
from validator.app.queue.redis import QUEUE, RedisBackend
from validator.app.settings import AppSettings

__all__ = ["redis_url"]


def job(head: str = "a" * 40, *, number: int = 7, rerun: bool = False, delivery: str = "d1") -> JobSpec:
    return JobSpec(kind=JobKind.PULL_REQUEST, installation_id=1, repository="org/repo",
                   clone_url="https://example.invalid/org/repo.git", head_sha=head,
                   base_sha="b" * 40, pull_number=number, event="pull_request.synchronize",
                   delivery=delivery, rerun=rerun)


@pytest.fixture
def backend(redis_url: str) -> Iterator[RedisBackend]:
    opened = RedisBackend(redis_url, heartbeat_timeout_ms=5000, max_attempts=3)
    yield opened
    opened.close()


def queued_messages(url: str) -> list[dict[str, object]]:
    """What Dramatiq's RedisBroker would hand a worker, read straight from its keys."""
    client = redis.Redis.from_url(url)
    ids = client.lrange(f"gitops-validator:{QUEUE}", 0, -1)
    stored = client.hmget(f"gitops-validator:{QUEUE}.msgs", ids) if ids else []
    client.close()
    return [json.loads(data) for data in stored if data is not None]


def test_a_delivery_is_first_once(backend: RedisBackend) -> None:
    assert backend.first_delivery("delivery-1")
    assert not backend.first_delivery("delivery-1")
    assert backend.first_delivery("delivery-2")


def test_an_identical_job_is_coalesced_while_queued(backend: RedisBackend, redis_url: str) -> None:
    assert backend.enqueue(job())
    assert not backend.enqueue(job(delivery="d2"))  # same key: same work
    assert backend.enqueue(job("c" * 40))
    assert backend.depth() == 2
    messages = queued_messages(redis_url)
    assert [JobSpec.from_json(str(m["args"][0])).head_sha for m in messages  # type: ignore[index]
            ] == ["a" * 40, "c" * 40]
    assert {m["actor_name"] for m in messages} == {"gitops_validator_job"}


def test_lanes_follow_the_newest_head_but_not_a_rerun(backend: RedisBackend) -> None:
    assert backend.latest_head("org/repo#7") is None
    backend.enqueue(job("a" * 40))
    backend.enqueue(job("c" * 40))
    assert backend.latest_head("org/repo#7") == "c" * 40
    assert backend.enqueue(job("a" * 40, rerun=True, delivery="again"))
    assert backend.latest_head("org/repo#7") == "c" * 40
    assert backend.latest_head("org/repo#8") is None


def test_a_coalesced_job_does_not_move_its_lane_back(backend: RedisBackend) -> None:
    backend.enqueue(job("a" * 40))
    backend.enqueue(job("c" * 40))
    assert not backend.enqueue(job("a" * 40, delivery="late"))
    assert backend.latest_head("org/repo#7") == "c" * 40


def test_accept_records_the_delivery_and_queues_in_one_step(backend: RedisBackend) -> None:
    assert backend.accept("x1", [job("a" * 40), job("a" * 40, delivery="x1")])  # one coalesced
    assert not backend.accept("x1", [job("c" * 40)])  # a redelivery queues nothing
    assert backend.depth() == 1
    assert backend.latest_head("org/repo#7") == "a" * 40
    assert backend.accept("x2", [])
    assert not backend.first_delivery("x2")


def test_open_backend_and_evaluations_use_redis_with_the_settings_limits(redis_url: str) -> None:
    settings = AppSettings(app_id=1, private_key="k", webhook_secret="s", redis_url=redis_url,
                           lease_seconds=7.0, max_attempts=4, retention_days=3)
    opened = open_backend(settings)
    assert isinstance(opened, RedisBackend)
    assert (opened.url, opened.heartbeat_timeout_ms, opened.max_attempts) == (redis_url, 7000, 4)
    assert opened.enqueue(job())
    assert opened.depth() == 1
    opened.close()
    store = open_evaluations(settings)
    assert isinstance(store, RedisEvaluations)
    assert store.retention_seconds == 3 * 86400
    store.close()


def test_unreachable_redis_is_not_ready(tmp_path: Path) -> None:
    with redis_server(tmp_path / "r") as server:
        opened = RedisBackend(server.url, heartbeat_timeout_ms=5000, max_attempts=3)
        opened.check_ready()
        server.stop()
        with pytest.raises(BackendUnavailable, match=r"127\.0\.0\.1"):
            opened.check_ready()
        with pytest.raises(BackendUnavailable):
            opened.enqueue(job())
        with pytest.raises(BackendUnavailable):
            opened.first_delivery("d")
        opened.close()


def test_readiness_warns_once_about_a_redis_without_persistence(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with redis_server(tmp_path / "r", fsync="no-aof") as server:
        opened = RedisBackend(server.url, heartbeat_timeout_ms=5000, max_attempts=3)
        opened.check_ready()
        opened.check_ready()
        opened.close()
    assert [r.getMessage().split(" has ")[1][:25] for r in caplog.records] == [
        "no append-only file (appe"]


def test_readiness_is_quiet_about_an_append_only_redis(
        backend: RedisBackend, caplog: pytest.LogCaptureFixture) -> None:
    backend.check_ready()
    assert caplog.records == []


def evaluation(identifier: str, created: datetime) -> Evaluation:
    return Evaluation(
        id=identifier, repository="org/repo", head_sha="a" * 40, base_sha="b" * 40,
        pull_number=7, event="pull_request.opened", state=EvaluationState.COMPLETED,
        created_at=created.isoformat(), conclusion="failure",
        findings=(StoredFinding(status="new", severity="error", rule="schema", message="bad",
                                path="apps/a.yaml", line=3, resource="Deployment/x/y",
                                context=(SourceLine(number=3, text="kind: Deployment"),)),),
        versions={"opa": "1.0"}, rendered_diff="--- a\n+++ b\n")


def test_evaluations_round_trip_and_purge(redis_url: str) -> None:
    store = RedisEvaluations(redis_url, retention_days=30)
    now = datetime.now(UTC)
    old, new = evaluation("old", now - timedelta(days=40)), evaluation("new", now)
    store.save(old)
    store.save(new)
    assert store.get("new") == new
    assert store.get("missing") is None
    assert store.purge(now - timedelta(days=30)) == 1
    assert store.get("old") is None
    assert store.get("new") == new
    client = redis.Redis.from_url(redis_url)
    assert 0 < client.ttl("gitops-validator:evaluation:new") <= 30 * 86400  # Redis expires it too
    client.close()
    store.close()
