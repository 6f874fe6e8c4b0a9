"""The WSGI entry point for production: ``gunicorn validator.app.wsgi:app``.

``app`` is built on first access (a module ``__getattr__``), so importing this module opens
nothing; gunicorn's lookup of ``app`` builds it in each worker process from the environment
(and the file ``GITOPS_VALIDATOR_APP_CONFIG`` names), refusing bad settings with the same
messages as ``serve``. This process only receives deliveries: run ``gitops-validator worker``
for the jobs (docs/app.md).
"""

from __future__ import annotations

import os
import threading

from flask import Flask

from validator.app.services import open_services
from validator.app.settings import load_settings
from validator.app.web import create_app

__all__ = ["build_app"]  # and ``app``, built by ``__getattr__``

_LOCK = threading.Lock()
_APP: Flask | None = None


def build_app() -> Flask:
    """The process's one app over the services the environment configures."""
    global _APP  # noqa: PLW0603 - one app per process, built once
    with _LOCK:
        if _APP is None:
            _APP = create_app(open_services(load_settings(os.environ)))
        return _APP


def __getattr__(name: str) -> Flask:
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
