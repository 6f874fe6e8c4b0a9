"""The Flask app: routes only translate HTTP to :class:`~validator.app.intake.Intake` and back.

``POST /webhooks/github`` (GitHub's deliveries), ``POST /webhooks/gitlab`` (GitLab's),
``GET /healthz`` (the process answers), ``GET /readyz`` (queue and storage usable; 503 with the
reason otherwise), ``GET /metrics`` (Prometheus text format), and the details pages of
evaluations (``/evaluations/<id>/<signature>``).

A platform that is not configured has no webhook endpoint: its path answers 404 (before the
body is read), so a hook pointed at the wrong app fails visibly instead of being acknowledged
and lost.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.exceptions import RequestEntityTooLarge

from validator.app.details import details_blueprint
from validator.app.details_link import link_key
from validator.app.intake import Intake
from validator.app.jobs import BackendUnavailable
from validator.app.model import Platform
from validator.app.services import AppServices

__all__ = ["GITLAB_WEBHOOK_PATH", "WEBHOOK_PATH", "create_app"]

WEBHOOK_PATH = "/webhooks/github"
GITLAB_WEBHOOK_PATH = "/webhooks/gitlab"
_LOGGER = logging.getLogger(__name__)


def _text(body: str, status: int) -> Response:
    return Response(body + "\n", status=status, mimetype="text/plain")


def create_app(services: AppServices) -> Flask:
    """The WSGI app over ``services`` (one per process; gunicorn imports ``validator.app.wsgi``)."""
    app = Flask("gitops_validator")
    # Werkzeug refuses a longer body while reading it (also a chunked one without a length)
    app.config["MAX_CONTENT_LENGTH"] = services.settings.max_body_bytes
    intake = Intake(services.settings, services.backend, services.metrics)
    enabled = {Platform.GITHUB: services.settings.github_enabled,
               Platform.GITLAB: services.settings.gitlab_enabled}

    def deliver(platform: Platform) -> Response:
        if not enabled[platform]:
            return _text(f"{platform.value} is not configured in this app", 404)
        receive = intake.receive if platform is Platform.GITHUB else intake.receive_gitlab
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:  # refused unread: nothing of its size is allocated
            answer = intake.too_large(dict(request.headers), platform=platform)
        else:
            answer = receive(dict(request.headers), body)
        return _text(answer.text, answer.status)

    @app.post(WEBHOOK_PATH)
    def webhook() -> Response:
        return deliver(Platform.GITHUB)

    @app.post(GITLAB_WEBHOOK_PATH)
    def gitlab_webhook() -> Response:
        return deliver(Platform.GITLAB)

    @app.get("/healthz")
    def healthz() -> Response:
        return _text("ok", 200)

    @app.get("/readyz")
    def readyz() -> Response:
        try:
            services.backend.check_ready()
            services.evaluations.check_ready()
        except BackendUnavailable as err:
            return _text(f"not ready: {err}", 503)
        return _text("ready", 200)

    @app.get("/metrics")
    def metrics() -> Response:
        try:
            services.metrics.queue_depth.set(services.backend.depth())
        except Exception as err:  # the other metrics still answer
            _LOGGER.warning("queue depth unavailable: %s", err)
        text = services.metrics.exposition()
        return Response(text, status=200, mimetype=CONTENT_TYPE_LATEST)

    mount_details_pages(app, services)
    return app


def mount_details_pages(app: Flask, services: AppServices) -> None:
    """The details pages (``GET /evaluations/<id>/<signature>``) of :mod:`validator.app.details`."""
    app.register_blueprint(details_blueprint(services.evaluations,
                                             link_key(services.settings.link_secret)))
