"""Webhook intake: from a delivery's headers and raw body to queued jobs and an HTTP answer.

The order is the point of this module:

1. the body's size is capped (413) and its ``X-Hub-Signature-256`` verified on the raw bytes
   (401) before anything parses it, so an unsigned request costs one HMAC and touches nothing;
2. the delivery and its jobs are recorded in one atomic step (:meth:`Backend.accept`): a
   delivery recorded before is acknowledged as a duplicate and queues nothing; a storage
   failure answers 503 and leaves the delivery unrecorded, so GitHub's redelivery (or the
   reconciliation sweep) brings it back. A job whose key is already queued or running is
   coalesced with it by the backend.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from validator.app.events import EVENTS, decide
from validator.app.jobs import Backend
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.settings import AppSettings
from validator.app.signature import verify

__all__ = ["Answer", "Intake"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """The HTTP status and the plain-text body GitHub shows in the delivery's log."""

    status: int
    text: str


class Intake:
    """Receives one delivery at a time (thread-safe as far as the backend is)."""

    def __init__(self, settings: AppSettings, backend: Backend, metrics: AppMetrics) -> None:
        self._settings = settings
        self._backend = backend
        self._metrics = metrics

    def receive(self, headers: Mapping[str, str], body: bytes) -> Answer:
        """Verify, de-duplicate and enqueue one delivery."""
        lowered = {name.lower(): value for name, value in headers.items()}
        event = lowered.get("x-github-event", "")
        return self._counted(event, *self._receive(lowered, event, body))

    def too_large(self, headers: Mapping[str, str]) -> Answer:
        """The answer to a body the web server refused to read because it is over the cap
        (its announced length, or what arrived of a chunked one): counted like any other, and
        nothing of the size of the cap is ever held for it."""
        event = next((value for name, value in headers.items() if name.lower() == "x-github-event"), "")
        return self._counted(event, *self._oversize())

    def _counted(self, event: str, answer: Answer, outcome: str) -> Answer:
        label = event if event in EVENTS else "other"  # an unverified header never makes a new series
        self._metrics.deliveries.labels(event=label, outcome=outcome).inc()
        return answer

    def _oversize(self) -> tuple[Answer, str]:
        return Answer(413, f"the body is larger than {self._settings.max_body_bytes} bytes"), "too_large"

    def _receive(self, headers: Mapping[str, str], event: str, body: bytes) -> tuple[Answer, str]:
        refused = self._refuse(headers, event, body)
        if refused is not None:
            return refused
        delivery = headers["x-github-delivery"]
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return Answer(400, "the body is not a JSON object"), "malformed"
        decision = decide(event, payload, self._settings)
        _LOGGER.info("delivery %s (%s): %s", delivery, event, decision.note)
        if decision.malformed:
            return Answer(400, decision.note), "malformed"
        if not decision.jobs:
            return Answer(202, f"nothing to do: {decision.note}"), "ignored"
        jobs = tuple(replace(job, delivery=delivery) for job in decision.jobs)
        try:
            return self._enqueue(delivery, jobs, decision.note)
        except Exception as err:
            _LOGGER.error("delivery %s (%s) not queued: %s", delivery, event, err)
            return Answer(503, f"the queue is unavailable ({err}); try again (redeliver)"), "error"

    def _refuse(self, headers: Mapping[str, str], event: str, body: bytes) -> tuple[Answer, str] | None:
        """Too large, unsigned or without the event and delivery headers (checked in this order:
        nothing of an unsigned request is looked at beyond its size)."""
        if len(body) > self._settings.max_body_bytes:
            return self._oversize()
        if not verify(self._settings.webhook_secret, body, headers.get("x-hub-signature-256")):
            return Answer(401, "missing or wrong X-Hub-Signature-256"), "bad_signature"
        for name in ("X-GitHub-Event", "X-GitHub-Delivery"):
            if not headers.get(name.lower()):
                return Answer(400, f"missing header {name}"), "malformed"
        return None

    def _enqueue(self, delivery: str, jobs: tuple[JobSpec, ...], note: str) -> tuple[Answer, str]:
        # one atomic step: the delivery is recorded only together with its jobs
        accepted = self._backend.accept(delivery, jobs)
        if accepted is None:
            return Answer(200, f"duplicate delivery {delivery}: already received"), "duplicate"
        if not accepted.queued:  # the same work is queued or running: it runs once
            return Answer(202, f"already queued: {note}"), "coalesced"
        count = f"{accepted.queued} job{'s' if accepted.queued > 1 else ''}"
        return Answer(202, f"queued {count}: {note}"), "queued"
