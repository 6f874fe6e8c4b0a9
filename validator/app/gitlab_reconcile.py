"""Reconciliation for GitLab: open merge requests whose head has no finished status of this app
are enqueued, as :mod:`validator.app.reconcile` does for GitHub's pull requests.

The sweep walks what GitLab knows with ``GITLAB_TOKEN``'s user (a project, group or bot user):

- the projects it may set statuses on: ``GET /projects?membership=true&min_access_level=30``
  (Developer, the least role that sets commit statuses; archived ones left out). A project or
  group access token's bot user is a member of exactly the projects it serves, so no separate
  list of projects is configured (https://docs.gitlab.com/api/projects/#list-all-projects);
- each project's open merge requests: ``GET /projects/:id/merge_requests?state=opened``
  (https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests);
- the statuses named ``check_name`` on each head:
  ``GET /projects/:id/repository/commits/:sha/statuses?name=...`` (the latest of each name;
  https://docs.gitlab.com/api/commits/#list-the-statuses-of-a-commit).

A head counts as done when it has a ``success`` or ``failed`` status of that name set by the
token's user (``GET /user``): a CI job or another tool using the same name does not count, and
neither does ``pending`` / ``running`` (an attempt that may have died) or ``canceled`` (set
when a newer push superseded a head that is the newest again). Any other head gets the job its
``Merge Request Hook`` would have made (``base_sha`` empty: the worker reads the merge
request's ``diff_refs``). Drafts follow ``GITOPS_VALIDATOR_DRAFTS``.

Bounds are the GitHub sweep's settings, counted for GitLab on their own:
``reconcile_max_repositories`` projects and ``reconcile_max_pulls`` merge requests per sweep.
A failing project or merge request is reported and the sweep goes on; a rate limit, an
unreachable GitLab or an unavailable queue ends it (every further call would fail alike).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from validator.app.jobs import Backend, BackendUnavailable
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.reconcile import PullAction, ReconcileReport, SweepError, SweptPull
from validator.app.settings import AppSettings, Drafts
from validator.errors import ValidatorError
from validator.scm.gitlab.client import GitLabCallError, GitLabSession

__all__ = ["DONE_STATES", "reconcile_gitlab"]

_LOGGER = logging.getLogger(__name__)

#: Final states of this app's status that cover a head (``canceled``: superseded, not judged).
DONE_STATES = frozenset({"success", "failed"})
#: GitLab's Developer role: the least that may set a commit status.
_DEVELOPER = 30


class _StopSweepError(Exception):
    """Ends the sweep early: every further call would fail the same way."""


@dataclass(kw_only=True)
class _GitLabSweep:
    """The state of one GitLab sweep (counts, budgets, findings)."""

    session: GitLabSession
    backend: Backend
    settings: AppSettings
    dry_run: bool
    delivery: str
    user_id: int = 0
    projects: int = 0
    pulls: list[SweptPull] = field(default_factory=list)
    errors: list[SweepError] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)

    def run(self) -> None:
        try:
            self.user_id = int(self._call("gitlab user", lambda: self.session.get("/user"))["id"])
            projects = self._call("gitlab projects", lambda: self.session.get_all(
                "/projects", {"membership": "true", "min_access_level": _DEVELOPER, "archived": "false",
                              "order_by": "id", "sort": "asc"}))
            for project in projects:
                if self.projects >= self.settings.reconcile_max_repositories:
                    bound = self.settings.reconcile_max_repositories
                    self.limits.append(f"GitLab projects: {bound} per sweep")
                    break
                self.projects += 1
                if not self._project(project):
                    break
        except _StopSweepError:
            pass

    def report(self) -> ReconcileReport:
        return ReconcileReport(projects=self.projects, pulls=tuple(self.pulls), errors=tuple(self.errors),
                               limits_reached=tuple(dict.fromkeys(self.limits)))

    def _call(self, where: str, call: Callable[[], Any]) -> Any:
        """``call()``; a failure of a part every later call needs ends the sweep."""
        try:
            return call()
        except (ValidatorError, KeyError, TypeError, ValueError) as err:
            self._failed(where, err)
            raise _StopSweepError() from err

    def _project(self, project: Mapping[str, Any]) -> bool:
        """Sweep one project's open merge requests; False once the merge request budget is spent."""
        name = str(project.get("path_with_namespace", f"project {project.get('id', '?')}"))
        try:
            merge_requests = self.session.get_all(
                f"/projects/{int(project['id'])}/merge_requests",
                {"state": "opened", "order_by": "created_at", "sort": "asc"})
        except (ValidatorError, KeyError, TypeError, ValueError) as err:
            self._failed(name, err)
            return True
        for merge_request in merge_requests:
            if len(self.pulls) >= self.settings.reconcile_max_pulls:
                self.limits.append(f"GitLab merge requests: {self.settings.reconcile_max_pulls} per sweep")
                return False
            try:
                self.pulls.append(self._merge_request(project, merge_request))
            except (ValidatorError, KeyError, TypeError, ValueError) as err:
                self._failed(f"{name}!{merge_request.get('iid', '?')}", err)
        return True

    def _merge_request(self, project: Mapping[str, Any], merge_request: Mapping[str, Any]) -> SweptPull:
        project_id, name = int(project["id"]), str(project["path_with_namespace"])
        iid, head_sha = int(merge_request["iid"]), str(merge_request["sha"])

        def swept(action: PullAction) -> SweptPull:
            return SweptPull(repository=name, number=iid, head_sha=head_sha, action=action,
                             platform=Platform.GITLAB)

        draft = merge_request.get("draft") or merge_request.get("work_in_progress")
        if draft and self.settings.drafts is Drafts.SKIP:
            return swept(PullAction.DRAFT_SKIPPED)
        if self._done(project_id, head_sha):
            return swept(PullAction.UP_TO_DATE)
        job = JobSpec(kind=JobKind.PULL_REQUEST, platform=Platform.GITLAB, installation_id=0,
                      project_id=project_id, repository=name, clone_url=str(project["http_url_to_repo"]),
                      head_sha=head_sha, pull_number=iid, head_ref=str(merge_request["source_branch"]),
                      base_ref=str(merge_request["target_branch"]), event="reconcile", delivery=self.delivery)
        if self.dry_run:
            return swept(PullAction.WOULD_ENQUEUE)
        try:
            queued = self.backend.enqueue(job)
        except BackendUnavailable as err:
            self._record(f"{name}!{iid}", f"{err} (the sweep stops here: every further call would fail "
                                          "the same way)")
            raise _StopSweepError() from err
        if queued:
            _LOGGER.info("reconcile: %s!%s head %s has no finished status: enqueued", name, iid,
                         head_sha[:12])
        return swept(PullAction.ENQUEUED if queued else PullAction.ALREADY_QUEUED)

    def _done(self, project_id: int, head_sha: str) -> bool:
        """Whether ``head_sha`` has a final status of this app's name set by the token's user."""
        statuses = self.session.get_all(f"/projects/{project_id}/repository/commits/{head_sha}/statuses",
                                        {"name": self.settings.check_name})
        return any(isinstance(status, Mapping) and status.get("name") == self.settings.check_name
                   and (status.get("author") or {}).get("id") == self.user_id
                   and status.get("status") in DONE_STATES
                   for status in statuses)

    def _failed(self, where: str, err: Exception) -> None:
        """Record a failed part; the sweep goes on unless every further call would fail alike."""
        if isinstance(err, GitLabCallError) and (err.rate_limited or err.unreachable):
            self._record(where, f"{err} (the sweep stops here: every further call would fail the same way)")
            raise _StopSweepError() from err
        self._record(where, str(err) if isinstance(err, ValidatorError)
                     else f"unexpected answer: {type(err).__name__} {err}")

    def _record(self, where: str, message: str) -> None:
        _LOGGER.warning("reconcile: %s: %s", where, message)
        self.errors.append(SweepError(where=where, message=message))


def reconcile_gitlab(session: GitLabSession, backend: Backend, settings: AppSettings, *,
                     dry_run: bool = False) -> ReconcileReport:
    """Sweep every project ``session``'s user develops once (see the module docstring);
    ``dry_run`` enqueues nothing."""
    started = datetime.now(UTC)
    sweep = _GitLabSweep(session=session, backend=backend, settings=settings, dry_run=dry_run,
                         delivery=f"reconcile-gitlab-{started:%Y%m%dT%H%M%SZ}")
    sweep.run()
    report = sweep.report()
    _LOGGER.info("reconcile: %d GitLab projects, %d open merge requests, %d enqueued, %d errors",
                 report.projects, len(report.pulls), len(report.enqueued), len(report.errors))
    return report
