"""An in-memory Backend for intake tests that need a storage failure at a chosen step, and the
deliveries metric as those tests read it.

The real backends (SQLite, Redis) are tested in their own files and, with intake, in
test_web_app.py; this one exists to make ``accept`` fail on demand,
which a real store cannot do at a chosen call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from validator.app.jobs import Accepted, BackendUnavailable
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec


@dataclass
class MemoryBackend:
    """Deliveries seen and jobs queued, in memory; ``fail`` names the operations that raise."""

    seen: set[str] = field(default_factory=set)
    queued: dict[str, JobSpec] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)

    def _maybe_fail(self, operation: str) -> None:
        if operation in self.fail:
            raise BackendUnavailable(f"{operation}: the queue's storage is gone (test)")

    def accept(self, delivery_id: str, jobs: Sequence[JobSpec]) -> Accepted | None:
        self._maybe_fail("accept")  # before any change: the step is atomic
        if not self.first_delivery(delivery_id):
            return None
        queued = sum(self.enqueue(job) for job in jobs)
        return Accepted(queued, len(jobs) - queued)

    def first_delivery(self, delivery_id: str) -> bool:
        self._maybe_fail("first_delivery")
        if delivery_id in self.seen:
            return False
        self.seen.add(delivery_id)
        return True

    def enqueue(self, job: JobSpec) -> bool:
        self._maybe_fail("enqueue")
        if job.key in self.queued:
            return False
        self.queued[job.key] = job
        if not job.rerun:
            self.heads[job.lane] = job.head_sha
        return True

    def latest_head(self, lane: str) -> str | None:
        return self.heads.get(lane)

    def depth(self) -> int:
        self._maybe_fail("depth")
        return len(self.queued)

    def claim_sweep(self, name: str, seconds: float) -> bool:
        del name, seconds
        self._maybe_fail("claim_sweep")
        return True

    def check_ready(self) -> None:
        self._maybe_fail("check_ready")

    def close(self) -> None:
        pass


def deliveries_counted(metrics: AppMetrics, event: str, outcome: str) -> float:
    """``gitops_validator_deliveries_total`` of ``event`` and ``outcome``, as ``/metrics`` shows it."""
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for sample in family.samples:
            if sample.name == "gitops_validator_deliveries_total" and sample.labels == {
                    "event": event, "outcome": outcome}:
                return float(sample.value)
    return 0.0
