"""Evaluations in Redis (the store beside the Redis queue): one JSON value per evaluation,
expiring after the retention period, and a sorted set by creation time for ``purge``.

Redis expires each evaluation on its own ``retention_days`` after it was saved; ``purge`` (the
app's periodic retention sweep) deletes by creation time, as the SQLite store does.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import redis

from validator.app.evaluation import Evaluation, EvaluationState, SourceLine, StoredFinding
from validator.app.jobs import BackendUnavailable

__all__ = ["RedisEvaluations"]

_PREFIX = "gitops-validator:evaluation:"
_BY_CREATION = "gitops-validator:evaluations"
"""Sorted set of evaluation ids, scored by ``created_at`` (Unix seconds)."""


def _timestamp(iso: str) -> float:
    moment = datetime.fromisoformat(iso)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _decode(text: str) -> Evaluation:
    data: dict[str, Any] = json.loads(text)
    findings = tuple(StoredFinding(**{**finding, "context": tuple(
        SourceLine(**line) for line in finding["context"])}) for finding in data["findings"])
    return Evaluation(**{**data, "state": EvaluationState(data["state"]), "findings": findings})


class RedisEvaluations:
    """:class:`validator.app.jobs.EvaluationStore` on Redis."""

    def __init__(self, url: str, retention_days: int, *, timeout: float = 5.0) -> None:
        self.retention_seconds = retention_days * 86400
        self._client = redis.Redis.from_url(url, socket_connect_timeout=timeout,
                                            socket_timeout=timeout, decode_responses=True)

    def check_ready(self) -> None:
        """One round trip to Redis."""
        try:
            self._client.ping()
        except redis.RedisError as err:
            raise BackendUnavailable(f"evaluations: {err}") from err

    def save(self, evaluation: Evaluation) -> None:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.set(f"{_PREFIX}{evaluation.id}", json.dumps(asdict(evaluation)),
                         ex=self.retention_seconds)
                pipe.zadd(_BY_CREATION, {evaluation.id: _timestamp(evaluation.created_at)})
                pipe.execute()
        except redis.RedisError as err:
            raise BackendUnavailable(f"saving evaluation {evaluation.id}: {err}") from err

    def get(self, evaluation_id: str) -> Evaluation | None:
        try:
            text = self._client.get(f"{_PREFIX}{evaluation_id}")
        except redis.RedisError as err:
            raise BackendUnavailable(f"reading evaluation {evaluation_id}: {err}") from err
        return None if text is None else _decode(str(text))

    def purge(self, before: datetime) -> int:
        try:
            ids = [str(i) for i in
                   self._client.zrangebyscore(_BY_CREATION, "-inf", f"({before.timestamp()}")]
            if ids:
                with self._client.pipeline(transaction=True) as pipe:
                    pipe.delete(*(f"{_PREFIX}{i}" for i in ids))
                    pipe.zrem(_BY_CREATION, *ids)
                    pipe.execute()
        except redis.RedisError as err:
            raise BackendUnavailable(f"purging evaluations: {err}") from err
        return len(ids)

    def close(self) -> None:
        self._client.close()
