"""One reconciliation round over every platform the app is configured for.

``serve``, every ``worker`` (:func:`validator.app.runtime.reconcile_round`, one process per
round) and ``gitops-validator reconcile`` call :func:`reconcile_all`: GitHub's sweep
(:mod:`validator.app.reconcile`) when the App is configured, GitLab's
(:mod:`validator.app.gitlab_reconcile`) when ``GITLAB_TOKEN`` is, one report for both.
"""

from __future__ import annotations

from collections.abc import Callable

from validator.app.gitlab_reconcile import reconcile_gitlab
from validator.app.jobs import Backend
from validator.app.reconcile import InstallationAuth, ReconcileReport, reconcile
from validator.app.settings import AppSettings
from validator.scm.gitlab.client import GitLabSession

__all__ = ["gitlab_session", "reconcile_all"]


def gitlab_session(settings: AppSettings) -> GitLabSession:
    """A session with ``GITLAB_TOKEN`` on ``GITLAB_URL`` (the sweep's own; closed after it)."""
    return GitLabSession(settings.gitlab_url, settings.gitlab_token)


def reconcile_all(settings: AppSettings, backend: Backend, *, auth: InstallationAuth | None,
                  open_gitlab: Callable[[AppSettings], GitLabSession] = gitlab_session,
                  dry_run: bool = False) -> ReconcileReport:
    """GitHub's sweep (with ``auth``, when the App is on) then GitLab's (when it is on)."""
    report = ReconcileReport()
    if settings.github_enabled and auth is not None:
        report += reconcile(auth, backend, settings, dry_run=dry_run)
    if settings.gitlab_enabled:
        session = open_gitlab(settings)
        try:
            report += reconcile_gitlab(session, backend, settings, dry_run=dry_run)
        finally:
            session.close()
    return report
