"""``gitops-validator serve`` and ``gitops-validator worker``: flags -> settings -> runtime.

Nothing is decided here: the settings come from :func:`validator.app.settings.load_settings`
(environment over ``--config`` over defaults, flags over both for host, port and threads) and
:mod:`validator.app.runtime` runs the web server, workers and sweeps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from validator.cli.common import errors_exit_2

if TYPE_CHECKING:
    from validator.app.services import AppServices
    from validator.app.settings import AppSettings

# The app's modules (Flask, prometheus_client, ...) are an extra: imported when a command
# runs, never by ``gitops-validator`` itself (tests/core/test_extras.py).

_CONFIG = click.option(
    "--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="YAML file of settings (the settings' names: 'workers: 4'); default: the file "
         "$GITOPS_VALIDATOR_APP_CONFIG names. Environment variables win over it.")


def _settings(config: Path | None, workers: int | None) -> AppSettings:
    from validator.app.settings import load_settings  # noqa: PLC0415 - an extra's module

    settings = load_settings(os.environ, config)
    return settings if workers is None else dataclasses.replace(settings, workers=workers)


@contextlib.contextmanager
def _running(config: Path | None, workers: int | None) -> Iterator[tuple[AppServices, threading.Event]]:
    """The settings read (errors: exit 2), the services open, and the event SIGTERM / SIGINT set,
    for the duration of ``serve`` or ``worker``; the services are closed afterwards."""
    from validator.app.runtime import stop_on_signals  # noqa: PLC0415 - an extra's module
    from validator.app.services import open_services  # noqa: PLC0415 - an extra's module

    with errors_exit_2():
        services = open_services(_settings(config, workers))
        stop = threading.Event()
        try:
            with stop_on_signals(stop):
                yield services, stop
        finally:
            services.close()


@click.command(context_settings={"max_content_width": 100})
@_CONFIG
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port, logged).")
@click.option("--workers", "threads", type=click.IntRange(min=0), default=None,
              help="Worker threads beside the web server (default: GITOPS_VALIDATOR_WORKERS, 2; "
                   "0: intake only, run 'gitops-validator worker' elsewhere).")
def serve(config: Path | None, host: str, port: int, threads: int | None) -> None:
    """Run the webhook app: intake, worker threads, reconciliation and retention.

    \b
    Receives GitHub's deliveries on POST /webhooks/github (signed with
    GITHUB_WEBHOOK_SECRET), queues them (SQLite in GITOPS_VALIDATOR_DATA_DIR,
    or Redis with GITOPS_VALIDATOR_REDIS_URL) and validates each pull request
    in worker threads; GET /healthz, /readyz, /metrics and
    /evaluations/<id>/<signature> (the check run's Details link).
    SIGTERM stops cleanly: running jobs finish or go back to the queue.

    \b
    Required: GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY (or
    GITHUB_APP_PRIVATE_KEY_PATH), GITHUB_WEBHOOK_SECRET; optional GITHUB_API_URL
    (GitHub Enterprise Server: https://HOST/api/v3). Every other setting is
    GITOPS_VALIDATOR_<NAME> or a key of --config; see docs/app.md.

    \b
    This runs Werkzeug's threaded server, meant for development and small
    installations. In production run the web app with gunicorn and the workers
    apart (with Redis, on as many hosts as needed):
      gunicorn --workers 4 --bind 0.0.0.0:8080 validator.app.wsgi:app
      gitops-validator worker --threads 4
    """
    from validator.app.runtime import serve_forever  # noqa: PLC0415 - an extra's module

    with _running(config, threads) as (services, stop):
        serve_forever(services, host=host, port=port, threads=services.settings.workers, stop=stop,
                      ready=lambda bound: click.echo(f"gitops-validator: serving on http://{host}:{bound}",
                                                     err=True))


@click.command(context_settings={"max_content_width": 100})
@_CONFIG
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Worker threads (default: GITOPS_VALIDATOR_WORKERS, 2).")
def worker(config: Path | None, threads: int | None) -> None:
    """Run workers only: take jobs from the queue and validate them.

    \b
    With the embedded queue (no GITOPS_VALIDATOR_REDIS_URL) the workers share the
    SQLite file in GITOPS_VALIDATOR_DATA_DIR with 'serve' on the same machine.
    With Redis, run this on any number of hosts beside gunicorn replicas:
      GITOPS_VALIDATOR_REDIS_URL=redis://queue:6379/0 gitops-validator worker --threads 4
    It needs the same GITHUB_APP_* settings as 'serve' (it publishes check runs).
    SIGTERM stops cleanly: running jobs finish or go back to the queue.
    """
    from validator.app.runtime import work_forever  # noqa: PLC0415 - an extra's module

    with _running(config, threads) as (services, stop):
        work_forever(services, threads=max(services.settings.workers, 1), stop=stop)
