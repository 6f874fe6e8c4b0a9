"""Reconciliation: find open pull requests whose head has no completed check run of this app
and enqueue them.

A webhook delivery can be lost (the app was down, GitHub gave up redelivering, a job was
dropped with a Redis node). The sweep walks what GitHub knows instead of what the app was told:
the app's installations (JWT), each installation's repositories and their open pull requests
(installation token), and the check runs on each head named ``check_name`` and made by this
app id. A head without a *completed* one gets a pull request job, exactly as its
``pull_request`` delivery would have made it; a run that ended ``cancelled``, ``skipped`` or
``stale`` does not count, since the head it is on is still the pull request's newest.

The sweep is bounded (``reconcile_max_repositories``, ``reconcile_max_pulls``; the report says
when a bound was reached) and carries on past a failing installation or repository (reported);
it stops early only when GitHub rate-limits it, cannot be reached, or the queue is unavailable:
every further call would fail the same way. Enqueueing is idempotent (the backend coalesces a
job whose key is queued or running), so a sweep overlapping a delivery costs nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from validator.app.jobs import Backend, BackendUnavailable
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.settings import AppSettings, Drafts
from validator.errors import ValidatorError
from validator.scm.github.client import GitHubCallError, GitHubSession

__all__ = ["InstallationAuth", "PullAction", "ReconcileReport", "SweepError", "SweptPull", "reconcile"]

_LOGGER = logging.getLogger(__name__)

#: Conclusions of a completed run that do not cover its head: it was superseded or abandoned.
_NOT_DONE = frozenset({"cancelled", "skipped", "stale"})


class InstallationAuth(Protocol):
    """What the sweep needs of :class:`validator.app.github_app.AppAuth`."""

    def app_session(self) -> GitHubSession:
        """A session authenticated as the app (JWT)."""
        ...

    def installation_session(self, installation_id: int) -> GitHubSession:
        """A session with the installation's access token."""
        ...


class PullAction(enum.StrEnum):
    """What the sweep did with one open pull request."""

    UP_TO_DATE = "up to date"
    """Its head has a completed check run of this app."""
    ENQUEUED = "enqueued"
    ALREADY_QUEUED = "already queued"
    """A job for this head was queued or running (the backend coalesced it)."""
    WOULD_ENQUEUE = "would enqueue"
    """A dry run."""
    DRAFT_SKIPPED = "draft, skipped"
    """A draft while drafts are skipped (``ready_for_review`` runs it)."""


@dataclass(frozen=True, kw_only=True)
class SweptPull:
    """One open pull request (GitLab: merge request) the sweep looked at."""

    repository: str
    number: int
    head_sha: str
    action: PullAction
    platform: Platform = Platform.GITHUB

    @property
    def name(self) -> str:
        """``owner/name#7`` on GitHub, ``group/project!7`` on GitLab (each platform's notation)."""
        return f"{self.repository}{'#' if self.platform is Platform.GITHUB else '!'}{self.number}"


@dataclass(frozen=True, kw_only=True)
class SweepError:
    """A part of the sweep that failed: ``installation N``, ``owner/name`` or ``owner/name#N``."""

    where: str
    message: str


@dataclass(frozen=True, kw_only=True)
class ReconcileReport:
    """What one sweep found and did."""

    installations: int = 0
    repositories: int = 0
    projects: int = 0
    """GitLab projects swept (:mod:`validator.app.gitlab_reconcile`)."""
    pulls: tuple[SweptPull, ...] = ()
    errors: tuple[SweepError, ...] = ()
    limits_reached: tuple[str, ...] = ()
    """``repositories: N per sweep`` / ``pull requests: N per sweep`` when a bound cut it short."""

    @property
    def enqueued(self) -> tuple[SweptPull, ...]:
        """The pull requests it enqueued (or, in a dry run, would have)."""
        return tuple(p for p in self.pulls if p.action in (PullAction.ENQUEUED, PullAction.WOULD_ENQUEUE))

    def __add__(self, other: ReconcileReport) -> ReconcileReport:
        """Both sweeps of one round (GitHub's and GitLab's) as one report."""
        return ReconcileReport(installations=self.installations + other.installations,
                               repositories=self.repositories + other.repositories,
                               projects=self.projects + other.projects, pulls=self.pulls + other.pulls,
                               errors=self.errors + other.errors,
                               limits_reached=self.limits_reached + other.limits_reached)


class _StopSweepError(Exception):
    """Ends the sweep early: every further call would fail the same way."""


@dataclass(kw_only=True)
class _Sweep:
    """The state of one sweep (counts, budgets, findings)."""

    auth: InstallationAuth
    backend: Backend
    settings: AppSettings
    dry_run: bool
    delivery: str
    installations: int = 0
    repositories: int = 0
    pulls: list[SweptPull] = field(default_factory=list)
    errors: list[SweepError] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)

    def run(self) -> None:
        try:
            for installation_id in self._installations():
                self.installations += 1
                if not self._installation(installation_id):
                    break
        except _StopSweepError:
            pass

    def report(self) -> ReconcileReport:
        return ReconcileReport(installations=self.installations, repositories=self.repositories,
                               pulls=tuple(self.pulls), errors=tuple(self.errors),
                               limits_reached=tuple(dict.fromkeys(self.limits)))

    def _installations(self) -> Iterator[int]:
        try:
            found = self.auth.app_session().get_all("/app/installations")
        except ValidatorError as err:
            self._failed("installations", err)
            return
        yield from (int(item["id"]) for item in found if isinstance(item, Mapping) and "id" in item)

    def _installation(self, installation_id: int) -> bool:
        """Sweep one installation; False once the repository budget is spent."""
        room = self.settings.reconcile_max_repositories - self.repositories
        try:
            session = self.auth.installation_session(installation_id)
            repositories = session.get_all("/installation/repositories", key="repositories",
                                           limit=room + 1)
        except ValidatorError as err:
            self._failed(f"installation {installation_id}", err)
            return True
        for repository in repositories:
            if self.repositories >= self.settings.reconcile_max_repositories:
                self.limits.append(f"repositories: {self.settings.reconcile_max_repositories} per sweep")
                return False
            self.repositories += 1
            if not self._repository(session, installation_id, repository):
                return False
        return True

    def _repository(self, session: GitHubSession, installation_id: int,
                    repository: Mapping[str, Any]) -> bool:
        """Sweep one repository's open pull requests; False once the pull budget is spent."""
        name = str(repository["full_name"])
        room = self.settings.reconcile_max_pulls - len(self.pulls)
        try:
            pulls = session.get_all(f"/repos/{name}/pulls", {"state": "open"}, limit=room + 1)
        except ValidatorError as err:
            self._failed(name, err)
            return True
        for pull in pulls:
            if len(self.pulls) >= self.settings.reconcile_max_pulls:
                self.limits.append(f"pull requests: {self.settings.reconcile_max_pulls} per sweep")
                return False
            try:
                self.pulls.append(self._pull(session, installation_id, repository, pull))
            except (ValidatorError, KeyError, TypeError) as err:
                self._failed(f"{name}#{pull.get('number', '?')}", err)
        return True

    def _pull(self, session: GitHubSession, installation_id: int, repository: Mapping[str, Any],
              pull: Mapping[str, Any]) -> SweptPull:
        name, head = str(repository["full_name"]), pull["head"]
        number, head_sha = int(pull["number"]), str(head["sha"])

        def swept(action: PullAction) -> SweptPull:
            return SweptPull(repository=name, number=number, head_sha=head_sha, action=action)

        if pull.get("draft") and self.settings.drafts is Drafts.SKIP:
            return swept(PullAction.DRAFT_SKIPPED)
        if self._completed(session, name, head_sha):
            return swept(PullAction.UP_TO_DATE)
        job = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=installation_id, repository=name,
                      clone_url=str(repository["clone_url"]), head_sha=head_sha,
                      base_sha=str(pull["base"]["sha"]), pull_number=number, head_ref=str(head["ref"]),
                      base_ref=str(pull["base"]["ref"]), event="reconcile", delivery=self.delivery)
        if self.dry_run:
            return swept(PullAction.WOULD_ENQUEUE)
        try:
            queued = self.backend.enqueue(job)
        except BackendUnavailable as err:
            raise self._fatal(f"{name}#{number}", err) from err
        if queued:
            _LOGGER.info("reconcile: %s#%s head %s has no completed check run: enqueued", name, number,
                         head_sha[:12])
        return swept(PullAction.ENQUEUED if queued else PullAction.ALREADY_QUEUED)

    def _completed(self, session: GitHubSession, name: str, head_sha: str) -> bool:
        """Whether ``head_sha`` has a completed check run of this app with the check's name."""
        runs = session.get_all(f"/repos/{name}/commits/{head_sha}/check-runs",
                               {"check_name": self.settings.check_name, "filter": "all",
                                "app_id": self.settings.app_id}, key="check_runs")
        return any(isinstance(run, Mapping) and run.get("name") == self.settings.check_name
                   and (run.get("app") or {}).get("id") == self.settings.app_id
                   and run.get("status") == "completed" and run.get("conclusion") not in _NOT_DONE
                   for run in runs)

    def _failed(self, where: str, err: ValidatorError | KeyError | TypeError) -> None:
        """Record a failed part; the sweep goes on unless every further call would fail alike."""
        if isinstance(err, GitHubCallError) and (err.rate_limited or err.unreachable):
            raise self._fatal(where, err) from err
        self._record(where, str(err) if isinstance(err, ValidatorError)
                     else f"unexpected answer: {type(err).__name__} {err}")

    def _fatal(self, where: str, err: ValidatorError) -> _StopSweepError:
        """Record a failure that ends the sweep; the exception to raise."""
        self._record(where, f"{err} (the sweep stops here: every further call would fail the same way)")
        return _StopSweepError()

    def _record(self, where: str, message: str) -> None:
        _LOGGER.warning("reconcile: %s: %s", where, message)
        self.errors.append(SweepError(where=where, message=message))

def reconcile(auth: InstallationAuth, backend: Backend, settings: AppSettings, *,
              dry_run: bool = False) -> ReconcileReport:
    """Sweep every installation once (see the module docstring); ``dry_run`` enqueues nothing."""
    started = datetime.now(UTC)
    sweep = _Sweep(auth=auth, backend=backend, settings=settings, dry_run=dry_run,
                   delivery=f"reconcile-{started:%Y%m%dT%H%M%SZ}")
    sweep.run()
    report = sweep.report()
    _LOGGER.info("reconcile: %d installations, %d repositories, %d open pull requests, %d enqueued, "
                 "%d errors", report.installations, report.repositories, len(report.pulls),
                 len(report.enqueued), len(report.errors))
    return report
