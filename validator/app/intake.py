"""Webhook intake: from a delivery's headers and raw body to queued jobs and an HTTP answer.

The order is the point of this module:

1. the body's size is capped (413) and its credential checked on the raw bytes (401) before
   anything parses it, so an unsigned request costs one HMAC (GitHub's ``X-Hub-Signature-256``)
   or a few constant-time compares (GitLab's ``X-Gitlab-Token``) and touches nothing;
   GitLab's per-group or project secrets are then checked against the parsed project (401);
2. the delivery and its jobs are recorded in one atomic step (:meth:`Backend.accept`): a
   delivery recorded before is acknowledged as a duplicate and queues nothing; a storage
   failure answers 503 and leaves the delivery unrecorded, so a redelivery (or the
   reconciliation sweep) brings it back. A job whose key is already queued or running is
   coalesced with it by the backend.

Both platforms run this one pipeline; what differs (headers, credential, delivery id, which
events ask for jobs) is a :class:`~validator.app.intake_source.Source`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from validator.app.gitlab_intake import gitlab_source
from validator.app.intake_source import Source, github_source
from validator.app.jobs import Backend
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec, Platform
from validator.app.settings import AppSettings

__all__ = ["Answer", "Intake"]

_LOGGER = logging.getLogger(__name__)


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


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
        self._sources = {Platform.GITHUB: github_source(settings),
                         Platform.GITLAB: gitlab_source(settings)}

    def receive(self, headers: Mapping[str, str], body: bytes) -> Answer:
        """Verify, de-duplicate and enqueue one GitHub delivery."""
        return self._received(self._sources[Platform.GITHUB], headers, body)

    def receive_gitlab(self, headers: Mapping[str, str], body: bytes) -> Answer:
        """Verify, de-duplicate and enqueue one GitLab delivery (:mod:`validator.app.gitlab_intake`)."""
        return self._received(self._sources[Platform.GITLAB], headers, body)

    def too_large(self, headers: Mapping[str, str], *, platform: Platform = Platform.GITHUB) -> Answer:
        """The answer to a body the web server refused to read because it is over the cap
        (its announced length, or what arrived of a chunked one): counted like any other, and
        nothing of the size of the cap is ever held for it."""
        source = self._sources[platform]
        event = _lowered(headers).get(source.event_header, "")
        return self._counted(source, event, *self._oversize())

    def _received(self, source: Source, headers: Mapping[str, str], body: bytes) -> Answer:
        lowered = _lowered(headers)
        event = lowered.get(source.event_header, "")
        return self._counted(source, event, *self._receive(source, lowered, event, body))

    def _counted(self, source: Source, event: str, answer: Answer, outcome: str) -> Answer:
        label = event if event in source.labels else "other"  # an unverified header never makes a new series
        self._metrics.deliveries.labels(event=label, outcome=outcome).inc()
        return answer

    def _oversize(self) -> tuple[Answer, str]:
        return Answer(413, f"the body is larger than {self._settings.max_body_bytes} bytes"), "too_large"

    def _receive(self, source: Source, headers: Mapping[str, str], event: str,
                 body: bytes) -> tuple[Answer, str]:
        payload = self._admitted(source, headers, body)
        if isinstance(payload, tuple):
            return payload
        delivery = source.delivery(headers, body, payload)
        decision = source.decide(event, payload, self._settings)
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

    def _admitted(self, source: Source, headers: Mapping[str, str],
                  body: bytes) -> dict[str, Any] | tuple[Answer, str]:
        """The payload of an authentic, well-formed delivery this credential may send, or the
        answer refusing it."""
        refused = self._refuse(source, headers, body)
        if refused is not None:
            return refused
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return Answer(400, "the body is not a JSON object"), "malformed"
        refusal = source.authorize(headers, payload)
        if refusal is not None:
            return Answer(401, refusal), "bad_signature"
        return payload

    def _refuse(self, source: Source, headers: Mapping[str, str], body: bytes) -> tuple[Answer, str] | None:
        """Too large, unauthenticated or without the required headers (checked in this order:
        nothing of an unauthenticated request is looked at beyond its size)."""
        if len(body) > self._settings.max_body_bytes:
            return self._oversize()
        if not source.authenticate(headers, body):
            return Answer(401, f"missing or wrong {source.credential_header}"), "bad_signature"
        for name in source.required:
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
