"""The distributed backend: one Redis shared by every app replica and worker host.

Redis holds what intake needs (deliveries seen, the job keys queued or running, each lane's
newest head) and, through Dramatiq's ``RedisBroker``, the queue itself. Why Dramatiq and not
Celery or RQ: docs/app.md, "Redis". In short: its Redis broker acknowledges late (a fetched
message sits in a per-worker set until the job returns) and another worker's queue
maintenance puts a dead worker's unacknowledged messages back once its heartbeat is older than
``heartbeat_timeout_ms`` -- the SIGKILL test in tests/app/test_redis_worker.py proves it.

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
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from dramatiq.middleware import Middleware, Retries

from validator.app.jobs import BackendUnavailable
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.settings import AppSettings

__all__ = ["ACTOR", "NAMESPACE", "QUEUE", "RedisBackend", "run_redis_worker"]

_LOGGER = logging.getLogger(__name__)

NAMESPACE = "gitops-validator"
"""Prefix of every key: Dramatiq's (``<ns>:<queue>``, ``<ns>:__acks__...``) and ours (``<ns>:app:...``)."""
QUEUE = "gitops-validator"
ACTOR = "gitops_validator_job"

_DELIVERY = f"{NAMESPACE}:app:delivery:"
_ACTIVE = f"{NAMESPACE}:app:active"
"""Sorted set of the job keys queued or running (score: enqueue time, ms)."""
_LANES = f"{NAMESPACE}:app:lanes"
_ATTEMPTS = f"{NAMESPACE}:app:attempts"
"""Hash job key -> starts so far (a worker's death counts: a job that kills workers stops)."""

# KEYS: delivery, active, lanes, queue list, queue messages.
# ARGV: now ms, delivery ttl s ("" = no delivery), stale-before ms, then per job:
#       key, lane ("" = rerun: lane unchanged), head, message id, message data.
# Returns false for a delivery seen before, else one 1 (queued) / 0 (coalesced) per job.
_ACCEPT = """
if ARGV[2] ~= "" then
  if not redis.call("set", KEYS[1], ARGV[1], "NX", "EX", ARGV[2]) then return false end
end
redis.call("zremrangebyscore", KEYS[2], "-inf", "(" .. ARGV[3])
local queued = {}
for i = 4, #ARGV, 5 do
  if redis.call("zadd", KEYS[2], "NX", ARGV[1], ARGV[i]) == 1 then
    if ARGV[i + 1] ~= "" then redis.call("hset", KEYS[3], ARGV[i + 1], ARGV[i + 2]) end
    redis.call("hset", KEYS[5], ARGV[i + 3], ARGV[i + 4])
    redis.call("rpush", KEYS[4], ARGV[i + 3])
    table.insert(queued, 1)
  else
    table.insert(queued, 0)
  end
end
return queued
"""


def _connect(url: str, *, timeout: float, text: bool = False) -> redis.Redis:
    """A client of ``url``; ``text``: replies decoded to ``str`` (Dramatiq's own client must
    get bytes)."""
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                health_check_interval=30, decode_responses=text)


def _where(client: redis.Redis) -> str:
    """``Redis at host:port/db`` (never the URL: it may carry a password)."""
    kwargs = client.connection_pool.connection_kwargs
    return f"Redis at {kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


class RedisBackend:
    """:class:`validator.app.jobs.Backend` on Redis (intake's side; workers: :func:`run_redis_worker`)."""

    def __init__(self, url: str, *, heartbeat_timeout_ms: int, max_attempts: int,
                 delivery_days: int = 14, stale_job_seconds: int = 86400,
                 timeout: float = 5.0) -> None:
        self.url = url
        self.heartbeat_timeout_ms = heartbeat_timeout_ms
        """For :func:`run_redis_worker` (``heartbeat_timeout_ms=backend.heartbeat_timeout_ms``)."""
        self.max_attempts = max_attempts
        self.delivery_seconds = delivery_days * 86400
        """How long a delivery id is remembered (GitHub redelivers by hand, within days)."""
        self.stale_job_ms = stale_job_seconds * 1000
        """A job key older than this no longer coalesces (its message was lost with a Redis
        that had no persistence): the same work may then be queued again."""
        self._client = _connect(url, timeout=timeout, text=True)
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
                   stop: threading.Event, metrics: AppMetrics | None = None) -> None:
        """:func:`run_redis_worker` on this backend's Redis with its heartbeat and attempts."""
        run_redis_worker(self.url, perform, poison, threads=threads, stop=stop, metrics=metrics,
                         heartbeat_timeout_ms=self.heartbeat_timeout_ms,
                         max_attempts=self.max_attempts)

    def first_delivery(self, delivery_id: str) -> bool:
        return self.accept(delivery_id, ()) is not None

    def enqueue(self, job: JobSpec) -> bool:
        queued = self._run(None, (job,))
        return queued is not None and queued[0]

    def accept(self, delivery_id: str, jobs: Sequence[JobSpec]) -> tuple[bool, ...] | None:
        """Record ``delivery_id`` and queue ``jobs`` in one atomic step. None: the delivery was
        seen before (nothing queued); else per job whether it was queued (False: coalesced)."""
        return self._run(delivery_id, jobs)

    def _run(self, delivery_id: str | None, jobs: Sequence[JobSpec]) -> tuple[bool, ...] | None:
        now = int(time.time() * 1000)
        args: list[str | int] = [now, self.delivery_seconds if delivery_id is not None else "",
                                 now - self.stale_job_ms]
        for job in jobs:
            message_id = str(uuid.uuid4())
            message: dramatiq.Message[None] = dramatiq.Message(
                queue_name=QUEUE, actor_name=ACTOR, args=(job.to_json(),), kwargs={},
                options={"redis_message_id": message_id})
            args += [job.key, "" if job.rerun else job.lane, job.head_sha, message_id,
                     message.encode().decode()]
        keys = [f"{_DELIVERY}{delivery_id or ''}", _ACTIVE, _LANES, f"{NAMESPACE}:{QUEUE}",
                f"{NAMESPACE}:{QUEUE}.msgs"]
        try:
            result = self._accept(keys=keys, args=args)
        except redis.RedisError as err:
            raise BackendUnavailable(f"{_where(self._client)}: {err}") from err
        return None if result is None else tuple(bool(flag) for flag in result)

    def latest_head(self, lane: str) -> str | None:
        try:
            head = self._client.hget(_LANES, lane)
        except redis.RedisError as err:
            raise BackendUnavailable(f"{_where(self._client)}: {err}") from err
        return None if head is None else str(head)

    def depth(self) -> int:
        try:
            return int(self._client.zcard(_ACTIVE))
        except redis.RedisError as err:
            raise BackendUnavailable(f"{_where(self._client)}: {err}") from err

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
            raise BackendUnavailable(f"{_where(self._client)}: {err}") from err

    def _warn_settings(self) -> None:
        info: dict[str, Any] = {**self._client.info("persistence"), **self._client.info("memory")}
        if not info.get("aof_enabled"):
            _LOGGER.warning("%s has no append-only file (appendonly no): queued jobs are lost "
                            "if it restarts (docs/app.md, Redis)", _where(self._client))
        if info.get("maxmemory_policy", "noeviction") != "noeviction":
            _LOGGER.warning("%s may evict keys (maxmemory-policy %s): set noeviction, or queued "
                            "jobs can disappear", _where(self._client), info["maxmemory_policy"])

    def close(self) -> None:
        self._client.close()


class _Lifecycle(Middleware):
    """Releases a job's key when it is finished, and reports poison once when Dramatiq's
    ``Retries`` gives up (it runs after ``Retries``: Dramatiq calls ``after_*`` hooks in
    reverse order of the middleware list)."""

    def __init__(self, client: redis.Redis, poison: Callable[[JobSpec, str, int], None],
                 metrics: AppMetrics | None) -> None:
        self.client = client
        self.poison = poison
        self.metrics = metrics

    def _count(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.jobs.labels(result).inc()

    def after_process_message(self, broker: dramatiq.Broker, message: Any, *,
                              result: object = None, exception: BaseException | None = None) -> None:
        del broker
        if exception is not None and not message.failed:
            self._count("retried")
            return  # Retries queued it again, after a backoff: still queued
        try:
            job = JobSpec.from_json(str(message.args[0]))
        except (ValueError, IndexError) as err:
            _LOGGER.error("Dropped a message that is not a job (%s): %s", message.message_id, err)
            return
        if exception is not None:
            attempts = int(self.client.hget(_ATTEMPTS, job.key) or 0)
            _report_poison(self.poison, job, f"{type(exception).__name__}: {exception}", attempts)
        self._count("poisoned" if exception is not None or result is None else str(result))
        release(self.client, job.key)


def release(client: redis.Redis, key: str) -> None:
    """The job with ``key`` is no longer queued or running: identical work may be queued again."""
    with client.pipeline(transaction=True) as pipe:
        pipe.zrem(_ACTIVE, key)
        pipe.hdel(_ATTEMPTS, key)
        pipe.execute()


def _report_poison(poison: Callable[[JobSpec, str, int], None], job: JobSpec, error: str,
                   attempts: int) -> None:
    _LOGGER.warning("Job %s failed %d times, reported as failed: %s", job.key, attempts, error)
    try:
        poison(job, error, attempts)
    except Exception:  # the report failed too: reconciliation finds the pull request again
        _LOGGER.exception("Reporting the failed job %s failed", job.key)


def _job_function(client: redis.Redis, perform: Callable[[JobSpec], object],
                  poison: Callable[[JobSpec, str, int], None],
                  max_attempts: int, metrics: AppMetrics | None) -> Callable[[str], str | None]:
    def gitops_validator_job(text: str) -> str | None:
        """The actor: its return value is the job's result for the metrics (None: poison)."""
        job = JobSpec.from_json(text)
        attempt = int(client.hincrby(_ATTEMPTS, job.key, 1))
        if attempt > max_attempts:  # the earlier starts never returned: their workers died
            _report_poison(poison, job, f"no attempt finished (workers died {attempt - 1} times)",
                           attempt - 1)
            return None
        _LOGGER.info("Job %s, attempt %d of %d", job.key, attempt, max_attempts)
        started = time.monotonic()
        result = perform(job)
        if metrics is not None:
            metrics.job_duration.observe(time.monotonic() - started)
        return str(result) if result is not None else "completed"

    return gitops_validator_job


def run_redis_worker(url: str, perform: Callable[[JobSpec], object],
                     poison: Callable[[JobSpec, str, int], None], *, threads: int,
                     stop: threading.Event, heartbeat_timeout_ms: int = 60_000,
                     max_attempts: int = 3, min_backoff_ms: int = 15_000,
                     max_backoff_ms: int = 600_000, shutdown_timeout_ms: int = 600_000,
                     metrics: AppMetrics | None = None) -> None:
    """Run a Dramatiq worker of ``threads`` threads in this process until ``stop`` is set, then
    stop it: running jobs finish (up to ``shutdown_timeout_ms``), prefetched ones go back.

    ``perform`` raising is a failed attempt, retried after an exponential backoff from
    ``min_backoff_ms``; after ``max_attempts`` attempts ``poison(job, error, attempts)`` is
    called once. This worker runs queue maintenance on every broker command (not Dramatiq's
    default 0.1%), so a dead worker's jobs come back soon after ``heartbeat_timeout_ms``.
    One per process (Dramatiq's rule): it installs its broker as Dramatiq's global one.
    """
    client = _connect(url, timeout=30.0)
    middleware = [_Lifecycle(client, poison, metrics),
                  Retries(max_retries=max_attempts - 1, min_backoff=min_backoff_ms,
                          max_backoff=max_backoff_ms)]
    broker = RedisBroker(  # type: ignore[no-untyped-call]  # Dramatiq leaves it untyped
        client=client, namespace=NAMESPACE, heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=MAINTENANCE_SCALE, middleware=middleware)
    dramatiq.set_broker(broker)
    dramatiq.Actor(_job_function(client, perform, poison, max_attempts, metrics), broker=broker,
                   actor_name=ACTOR, queue_name=QUEUE, priority=0, options={})
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=threads)
    worker.start()
    _LOGGER.info("Redis worker of %d threads on %s", threads, _where(client))
    try:
        stop.wait()
    finally:
        worker.stop(timeout=shutdown_timeout_ms)
        broker.close()
        client.close()
