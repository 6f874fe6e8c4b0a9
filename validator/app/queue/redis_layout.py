"""Where the Redis backend keeps things: the key names intake and workers share, and their
Redis clients (see ``redis.py``)."""

from __future__ import annotations

import redis

__all__ = ["ACTIVE", "ACTOR", "ATTEMPTS", "DELIVERY", "LANES", "LANE_TIMES", "NAMESPACE", "QUEUE", "SWEEPS",
           "connect", "where"]

NAMESPACE = "gitops-validator"
"""Prefix of every key: Dramatiq's (``<ns>:<queue>``, ``<ns>:__acks__...``) and ours (``<ns>:app:...``)."""
QUEUE = "gitops-validator"
ACTOR = "gitops_validator_job"

DELIVERY = f"{NAMESPACE}:app:delivery:"
ACTIVE = f"{NAMESPACE}:app:active"
"""Sorted set of the job keys queued or running (score: enqueue time, ms)."""
LANES = f"{NAMESPACE}:app:lanes"
"""Hash lane -> its newest head SHA (what a newer push supersedes)."""
LANE_TIMES = f"{NAMESPACE}:app:lane-times"
"""Sorted set of the lanes by their last push (ms): idle ones are pruned from ``LANES``."""
SWEEPS = f"{NAMESPACE}:app:sweep:"
"""Prefix of the claim of a periodic sweep's round (``SET NX PX``)."""
ATTEMPTS = f"{NAMESPACE}:app:attempts"
"""Hash job key -> starts so far (a worker's death counts: a job that kills workers stops)."""


def connect(url: str, *, timeout: float, text: bool = False) -> redis.Redis:
    """A client of ``url``; ``text``: replies decoded to ``str`` (Dramatiq's own client must
    get bytes)."""
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                health_check_interval=30, decode_responses=text)


def where(client: redis.Redis) -> str:
    """``Redis at host:port/db`` (never the URL: it may carry a password)."""
    kwargs = client.connection_pool.connection_kwargs
    return f"Redis at {kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
