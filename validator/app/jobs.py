"""The seams between intake, queue, workers and stores (protocols only; see docs/app.md).

Two backends implement them: the embedded one (``queue/sqlite.py``: a SQLite file in the data
folder, WAL) and the distributed one (``queue/redis.py``: Redis, Dramatiq for the workers).
Intake talks to :class:`Backend`; the job function reads :class:`Backend.latest_head` to learn
it was superseded; :class:`EvaluationStore` keeps what the details pages show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from validator.app.evaluation import Evaluation
from validator.app.model import JobSpec
from validator.errors import ValidatorError

__all__ = ["Accepted", "Backend", "BackendUnavailable", "EvaluationStore"]


class BackendUnavailable(ValidatorError):  # noqa: N818 - the name the seams already use
    """The queue or its storage cannot be reached (``/readyz`` answers 503 with this text)."""


@dataclass(frozen=True)
class Accepted:
    """What :meth:`Backend.accept` did with a new delivery's jobs: each is either queued or
    coalesced with an identical job already queued or running (intake counts the delivery as
    ``coalesced`` when none was new, so the metric says whether the delivery added work)."""

    queued: int
    coalesced: int


class Backend(Protocol):
    """What intake and workers share: deliveries seen, the queue, the newest head of each lane."""

    def first_delivery(self, delivery_id: str) -> bool:
        """Record ``X-GitHub-Delivery``; False when it was recorded before (a redelivery)."""
        ...

    def enqueue(self, job: JobSpec) -> bool:
        """Queue ``job`` durably (it survives a restart once this returns). Unless it is a
        rerun, its head becomes its lane's newest. False when a job with the same key is
        already queued or running (the two are one)."""
        ...

    def accept(self, delivery_id: str, jobs: Sequence[JobSpec]) -> Accepted | None:
        """:meth:`first_delivery` and :meth:`enqueue` of each job as one atomic step: the
        delivery counts as seen only once its jobs are queued (a failure in between must leave
        GitHub's retry free to run). None for a redelivery: nothing queued. Intake calls this."""
        ...

    def latest_head(self, lane: str) -> str | None:
        """The head SHA most recently enqueued for ``lane`` (None: never)."""
        ...

    def depth(self) -> int:
        """Jobs queued or running."""
        ...

    def claim_sweep(self, name: str, seconds: float) -> bool:
        """True for one caller per ``seconds`` among every process sharing this backend: the
        periodic ``name`` sweep (reconciliation) runs once per interval however many
        ``serve`` and ``worker`` processes run it."""
        ...

    def check_ready(self) -> None:
        """Raise :class:`BackendUnavailable` when the queue or its storage cannot be used."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class EvaluationStore(Protocol):
    """Evaluations and their results, for the details pages."""

    def save(self, evaluation: Evaluation) -> None:
        """Insert or replace the evaluation with this id."""
        ...

    def get(self, evaluation_id: str) -> Evaluation | None:
        """The evaluation, or None."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete evaluations created before ``before``; how many were."""
        ...

    def check_ready(self) -> None:
        """Raise :class:`BackendUnavailable` when the store cannot be used (``/readyz``: every
        job records its evaluation, so the app is not ready without it)."""
        ...
