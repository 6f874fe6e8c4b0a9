"""The distributed backend: one Redis shared by every app replica and worker host.

Redis holds what intake needs (deliveries seen, the job keys queued or running, each lane's
newest head) and, through Dramatiq's ``RedisBroker``, the queue itself. Why Dramatiq and not
Celery or RQ: docs/app.md, "Redis". In short: its Redis broker acknowledges late (a fetched
message sits in a per-worker set until the job returns) and another worker's queue
maintenance puts a dead worker's unacknowledged messages back once its heartbeat is older than
``heartbeat_timeout_ms`` -- the SIGKILL test in tests/app/test_redis_worker.py proves it.
This module is intake's side; workers are ``redis_worker.py``, key names ``redis_layout.py``.

Intake does not go through a broker object: one Lua script records the delivery, coalesces
on the job key, moves the lane and stores the message exactly where ``RedisBroker.enqueue``
would (``<namespace>:<queue>`` list, ``.msgs`` hash), in one round trip and atomically -- a
crash cannot leave a delivery recorded but its jobs missing. The message is Dramatiq's own
(``Message.encode``); the worker tests consume what this writes.

Dramatiq keeps a process-wide "global broker" that ``@dramatiq.actor`` and
``get_broker()`` fall back to (creating a RabbitMQ or Redis broker on localhost on first use).
Nothing here relies on it: the actor and the worker are given their broker explicitly, and
:func:`run_redis_worker` also installs that broker as the global one, deliberately, so that no
stray ``get_broker()`` in the process can quietly connect somewhere else.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import dramatiq
import redis

from validator.app.jobs import Accepted, BackendUnavailable
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.queue.redis_layout import (
    ACTIVE,
    ACTOR,
    DELIVERY,
    LANE_TIMES,
    LANES,
    NAMESPACE,
    QUEUE,
    SWEEPS,
    connect,
    where,
)
from validator.app.queue.redis_worker import run_redis_worker
from validator.app.settings import AppSettings

__all__ = ["ACTOR", "NAMESPACE", "QUEUE", "RedisBackend", "run_redis_worker"]

_LOGGER = logging.getLogger(__name__)

# KEYS: delivery, active, lanes, queue list, queue messages, lane times.
# ARGV: now ms, delivery ttl s ("" = no delivery), stale-before ms, idle-lane-before ms, then
#       per job: key, lane ("" = rerun: lane unchanged), head, message id, message data.
# Returns false for a delivery seen before, else one 1 (queued) / 0 (coalesced) per job.
# Idle lanes (no push for lane_seconds) are forgotten a hundred at a time as intake goes.
_ACCEPT = """
if ARGV[2] ~= "" then
  if not redis.call("set", KEYS[1], ARGV[1], "NX", "EX", ARGV[2]) then return false end
end
redis.call("zremrangebyscore", KEYS[2], "-inf", "(" .. ARGV[3])
local idle = redis.call("zrangebyscore", KEYS[6], "-inf", "(" .. ARGV[4], "LIMIT", 0, 100)
if #idle > 0 then
  redis.call("hdel", KEYS[3], unpack(idle))
  redis.call("zrem", KEYS[6], unpack(idle))
end
local queued = {}
for i = 5, #ARGV, 5 do
  if redis.call("zadd", KEYS[2], "NX", ARGV[1], ARGV[i]) == 1 then
    if ARGV[i + 1] ~= "" then
      redis.call("hset", KEYS[3], ARGV[i + 1], ARGV[i + 2])
      redis.call("zadd", KEYS[6], ARGV[1], ARGV[i + 1])
    end
    redis.call("hset", KEYS[5], ARGV[i + 3], ARGV[i + 4])
    redis.call("rpush", KEYS[4], ARGV[i + 3])
    table.insert(queued, 1)
  else
    table.insert(queued, 0)
  end
end
return queued
"""


class RedisBackend:
    """:class:`validator.app.jobs.Backend` on Redis (intake's side; workers: :func:`run_redis_worker`)."""

    def __init__(self, url: str, *, heartbeat_timeout_ms: int, max_attempts: int,
                 delivery_days: int = 14, stale_job_seconds: int = 86400,
                 lane_seconds: int = 14 * 86400, timeout: float = 5.0) -> None:
        self.url = url
        self.heartbeat_timeout_ms = heartbeat_timeout_ms
        """For :func:`run_redis_worker` (``heartbeat_timeout_ms=backend.heartbeat_timeout_ms``)."""
        self.max_attempts = max_attempts
        self.delivery_seconds = delivery_days * 86400
        """How long a delivery id is remembered (GitHub redelivers by hand, within days)."""
        self.stale_job_ms = stale_job_seconds * 1000
        """A job key older than this no longer coalesces (its message was lost with a Redis
        that had no persistence): the same work may then be queued again."""
        self.lane_ms = lane_seconds * 1000
        """A lane (a pull request's newest head) without a push for this long is forgotten, so
        the lanes do not grow with every pull request and merge group ever seen (a job still
        queued for it is then not superseded by the lane, only by GitHub's current head)."""
        self._client = connect(url, timeout=timeout, text=True)
        self._accept = self._client.register_script(_ACCEPT)
        self._warned = False

    @classmethod
    def from_settings(cls, settings: AppSettings) -> RedisBackend:
        """The backend of ``GITOPS_VALIDATOR_REDIS_URL``: a worker silent for
        ``lease_seconds`` is dead, a job gets ``max_attempts`` attempts."""
        return cls(settings.redis_url, heartbeat_timeout_ms=int(settings.lease_seconds * 1000),
                   max_attempts=settings.max_attempts)

    def run_worker(self, perform: Callable[[JobSpec], object],
                   poison: Callable[[JobSpec, str, int], None], *, threads: int,
                   stop: threading.Event, metrics: AppMetrics | None = None,
                   drain_seconds: float = 600.0) -> None:
        """:func:`run_redis_worker` on this backend's Redis with its heartbeat and attempts;
        on stop, running jobs get ``drain_seconds`` (one still running after that is left
        unacknowledged: another worker takes it once this one's heartbeat has expired)."""
        run_redis_worker(self.url, perform, poison, threads=threads, stop=stop, metrics=metrics,
                         heartbeat_timeout_ms=self.heartbeat_timeout_ms,
                         max_attempts=self.max_attempts,
                         shutdown_timeout_ms=int(drain_seconds * 1000))

    def first_delivery(self, delivery_id: str) -> bool:
        return self._run(delivery_id, ()) is not None

    def enqueue(self, job: JobSpec) -> bool:
        queued = self._run(None, (job,))
        return queued is not None and queued[0]

    def accept(self, delivery_id: str, jobs: Sequence[JobSpec]) -> Accepted | None:
        """Record ``delivery_id`` and queue ``jobs`` (each unless coalesced) in one atomic step
        (one Lua script); None for a redelivery: nothing queued."""
        queued = self._run(delivery_id, jobs)
        return None if queued is None else Accepted(sum(queued), len(queued) - sum(queued))

    def _run(self, delivery_id: str | None, jobs: Sequence[JobSpec]) -> tuple[bool, ...] | None:
        """The script: None for a delivery seen before, else per job whether it was queued."""
        now = int(time.time() * 1000)
        args: list[str | int] = [now, self.delivery_seconds if delivery_id is not None else "",
                                 now - self.stale_job_ms, now - self.lane_ms]
        for job in jobs:
            message_id = str(uuid.uuid4())
            message: dramatiq.Message[None] = dramatiq.Message(
                queue_name=QUEUE, actor_name=ACTOR, args=(job.to_json(),), kwargs={},
                options={"redis_message_id": message_id})
            args += [job.key, "" if job.rerun else job.lane, job.head_sha, message_id,
                     message.encode().decode()]
        keys = [f"{DELIVERY}{delivery_id or ''}", ACTIVE, LANES, f"{NAMESPACE}:{QUEUE}",
                f"{NAMESPACE}:{QUEUE}.msgs", LANE_TIMES]
        try:
            result = self._accept(keys=keys, args=args)
        except redis.RedisError as err:
            raise BackendUnavailable(f"{where(self._client)}: {err}") from err
        return None if result is None else tuple(bool(flag) for flag in result)

    def latest_head(self, lane: str) -> str | None:
        try:
            head = self._client.hget(LANES, lane)
        except redis.RedisError as err:
            raise BackendUnavailable(f"{where(self._client)}: {err}") from err
        return None if head is None else str(head)

    def depth(self) -> int:
        try:
            return int(self._client.zcard(ACTIVE))
        except redis.RedisError as err:
            raise BackendUnavailable(f"{where(self._client)}: {err}") from err

    def claim_sweep(self, name: str, seconds: float) -> bool:
        """The ``name`` sweep's round for ``seconds`` (a key set if absent, expiring with it)."""
        try:
            return bool(self._client.set(f"{SWEEPS}{name}", "claimed", nx=True,
                                         px=max(1, int(seconds * 1000))))
        except redis.RedisError as err:
            raise BackendUnavailable(f"{where(self._client)}: {err}") from err

    def check_ready(self) -> None:
        """PING, then the queue's list (the broker's keys are readable); warn once when Redis
        is not configured as a queue must be (append-only file, no eviction)."""
        try:
            self._client.ping()
            self._client.llen(f"{NAMESPACE}:{QUEUE}")
            if not self._warned:
                self._warned = True
                self._warn_settings()
        except redis.RedisError as err:
            raise BackendUnavailable(f"{where(self._client)}: {err}") from err

    def _warn_settings(self) -> None:
        info: dict[str, Any] = {**self._client.info("persistence"), **self._client.info("memory")}
        if not info.get("aof_enabled"):
            _LOGGER.warning("%s has no append-only file (appendonly no): queued jobs are lost "
                            "if it restarts (docs/app.md, Redis)", where(self._client))
        if info.get("maxmemory_policy", "noeviction") != "noeviction":
            _LOGGER.warning("%s may evict keys (maxmemory-policy %s): set noeviction, or queued "
                            "jobs can disappear", where(self._client), info["maxmemory_policy"])

    def close(self) -> None:
        self._client.close()
