"""``gitops-validator reconcile``: one reconciliation sweep, printed.

Translates only: the settings as ``serve`` reads them, the queue the settings choose, the
App's credentials, then :func:`validator.app.reconcile_all.reconcile_all` (GitHub, GitLab) and
its report on standard output (one line per open pull request, then errors and reached
bounds). Exit code 0, 1 when a part of the sweep failed, 2 when the settings are wrong.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from validator.app.settings import CONFIG_VARIABLE, load_settings
from validator.cli.common import errors_exit_2

if TYPE_CHECKING:
    from validator.app.reconcile import ReconcileReport

# The modules that talk to GitHub and the queue need the app's extras (PyGithub,
# prometheus_client, ...): imported when the command runs, never when the CLI starts
# (tests/core/test_extras.py); the settings need none.


@click.command(name="reconcile", context_settings={"max_content_width": 100})
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"YAML file of settings, as for 'serve' (default: ${CONFIG_VARIABLE}). "
                   "Environment variables win over it.")
@click.option("--dry-run", is_flag=True, help="Print what would be enqueued; enqueue nothing.")
def reconcile_command(config: Path | None, dry_run: bool) -> None:
    """Enqueue open pull requests whose head has no completed check run of this App.

    \b
    Walks every installation of the GitHub App, its repositories and their open
    pull requests, and queues a validation for each head without a completed
    check run of this App (a missed or failed delivery), as 'serve' does every
    GITOPS_VALIDATOR_RECONCILE_SECONDS. With GITLAB_TOKEN set, the same for the
    open merge requests of the GitLab projects the token's user develops whose
    head has no final status of this app. Same settings as 'serve' (docs/app.md).
    """
    from validator.app.backends import open_backend  # noqa: PLC0415 - an extra's module
    from validator.app.github_app import AppAuth  # noqa: PLC0415 - an extra's module
    from validator.app.reconcile_all import reconcile_all  # noqa: PLC0415 - an extra's module

    with errors_exit_2():
        settings = load_settings(os.environ, config)
        backend = open_backend(settings)
        try:
            auth = AppAuth(settings) if settings.github_enabled else None
            report = reconcile_all(settings, backend, auth=auth, dry_run=dry_run)
        finally:
            backend.close()
    click.echo(_describe(report, dry_run=dry_run, github=settings.github_enabled,
                         gitlab=settings.gitlab_enabled))
    if report.errors:
        sys.exit(1)


def _describe(report: ReconcileReport, *, dry_run: bool, github: bool, gitlab: bool) -> str:
    """The report as text: a summary line in the words of the platforms configured (GitHub's
    installations and pull requests, GitLab's projects and merge requests), one line per pull
    or merge request, errors, bounds."""
    done = "would enqueue" if dry_run else "enqueued"
    swept = [f"{report.installations} installations", f"{report.repositories} repositories"] if github else []
    swept += [f"{report.projects} GitLab projects"] if gitlab else []
    changes = " and ".join([*(["pull"] if github else []), *(["merge"] if gitlab else [])]) or "pull"
    lines = [f"reconcile: {', '.join([*swept, f'{len(report.pulls)} open {changes} requests'])}, "
             f"{len(report.enqueued)} {done}" + (" (dry run)" if dry_run else "")]
    lines += [f"  {pull.action.value:<15} {pull.name} {pull.head_sha[:12]}" for pull in report.pulls]
    lines += [f"error: {error.where}: {error.message}" for error in report.errors]
    lines += [f"limit reached: {limit} (the rest waits for the next sweep)"
              for limit in report.limits_reached]
    return "\n".join(lines)
