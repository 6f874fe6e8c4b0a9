"""An evaluation as the details page shows it and the stores keep it (pure data, JSON-able)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from validator.app.model import Platform

__all__ = ["LISTED_PER_STATUS", "Evaluation", "EvaluationState", "SourceLine", "StoredFinding"]

#: Most findings of one status (new, existing, fixed) a page lists: a repository with
#: thousands of existing findings would otherwise make a page of megabytes; the counts stay
#: whole. Only these are stored with source lines (the rest are never shown with them).
LISTED_PER_STATUS = 1000


class EvaluationState(enum.StrEnum):
    """Where an evaluation is."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    """Validated; ``conclusion`` is ``success`` or ``failure``."""
    CANCELLED = "cancelled"
    """A newer push to the pull request superseded it."""
    FAILED = "failed"
    """The validator could not evaluate it (``error`` says why; the check run failed too)."""


@dataclass(frozen=True, kw_only=True)
class SourceLine:
    """One line of the head's file around a finding."""

    number: int
    text: str


@dataclass(frozen=True, kw_only=True)
class StoredFinding:
    """A finding as the page lists it."""

    status: str
    """``new``, ``existing`` or ``fixed``."""
    severity: str
    rule: str
    message: str
    path: str
    """Repository path (the head's; the base's for a fixed finding)."""
    line: int | None
    resource: str = ""
    """``Kind/namespace/name`` when the finding is about an object."""
    field: str = ""
    """The field the finding is about (``spec.template.spec.containers[0].image``), if any."""
    context: tuple[SourceLine, ...] = ()
    """A few lines of source around ``line`` (empty when the file could not be read)."""


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """One job's evaluation of one head."""

    id: str
    """:attr:`validator.app.model.JobSpec.evaluation_id`."""
    repository: str
    head_sha: str
    base_sha: str
    pull_number: int | None
    event: str
    state: EvaluationState
    created_at: str
    """ISO 8601, UTC."""
    finished_at: str = ""
    conclusion: str = ""
    """The check run's conclusion once completed (``success``, ``failure``, ``cancelled``)."""
    title: str = ""
    """The check run's title."""
    error: str = ""
    findings: tuple[StoredFinding, ...] = ()
    rendered_diff: str = ""
    """The rendered objects, base against head (unified diff text, Secret values redacted)."""
    versions: dict[str, str] = field(default_factory=dict)
    """Tool versions (opa, helm, kustomize, kubeconform, gitops-validator) and ``policies``:
    the trusted commit the policies came from."""
    check_run_url: str = ""
    pull_url: str = ""
    """The pull request's page (from the repository's clone URL; GitLab: the merge request's);
    empty when not known."""
    platform: Platform = Platform.GITHUB
    """Where the change lives: the page says pull request ``#N`` or merge request ``!N``."""
