"""The webhook app's settings: environment variables over an optional file over defaults.

:class:`AppSettings` is the one resolved, validated value every part of the app receives;
``load_settings`` (below) reads it and refuses a bad value at start with a message naming the
variable or the file and key. Secrets (the private key, the webhook secret) never appear in a
``repr`` or a log line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from validator.change.block import Block
from validator.scm import markers
from validator.scm.outcome import CommentMode

__all__ = ["AppSettings", "Drafts"]


class Drafts(enum.StrEnum):
    """What the app does with a draft pull request."""

    SKIP = "skip"
    """Not evaluated until it is marked ready for review (``ready_for_review`` runs it)."""
    CHECK = "check"
    """Evaluated like any other pull request."""


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """Everything the app is configured with (see docs/app.md for each variable)."""

    app_id: int
    """``GITHUB_APP_ID``."""
    private_key: str = field(repr=False)
    """``GITHUB_APP_PRIVATE_KEY`` (PEM) or the file ``GITHUB_APP_PRIVATE_KEY_PATH`` names."""
    webhook_secret: str = field(repr=False)
    """``GITHUB_WEBHOOK_SECRET``: the HMAC key of ``X-Hub-Signature-256``."""
    api_url: str = "https://api.github.com"
    """``GITHUB_API_URL``: GitHub Enterprise Server's ``https://HOST/api/v3``, or a test server."""
    data_dir: Path = Path("gitops-validator-data")
    """``GITOPS_VALIDATOR_DATA_DIR``: the SQLite queue and evaluations, the repository mirrors."""
    public_url: str = ""
    """``GITOPS_VALIDATOR_PUBLIC_URL``: where reviewers reach this app (details pages); empty:
    check runs carry no ``details_url``."""
    redis_url: str = ""
    """``GITOPS_VALIDATOR_REDIS_URL``: empty for the embedded SQLite queue; ``redis://...`` to
    share the queue, de-duplication and evaluations between replicas and workers."""
    workers: int = 2
    """Worker threads ``serve`` runs beside the web server (0: intake only)."""
    max_body_bytes: int = 25 * 1024 * 1024
    """Largest webhook body accepted (GitHub caps deliveries at 25 MB)."""
    lease_seconds: float = 120.0
    """How long a worker's claim on a job lasts without a heartbeat before another may take it."""
    max_attempts: int = 3
    """Attempts of one job before it is reported as failed on its check run (poison)."""
    drafts: Drafts = Drafts.SKIP
    check_name: str = markers.DEFAULT_CHECK
    comments: CommentMode = CommentMode.REVIEW
    max_comments: int = 20
    block: Block = Block.NEW
    fetch_timeout: float = 300.0
    """Seconds one git fetch of a repository may take."""
    max_repository_bytes: int = 2 * 1024 * 1024 * 1024
    """Largest mirror of one repository kept (a fetch beyond it fails the job, reported)."""
    retention_days: int = 30
    """Evaluations older than this are deleted."""
    reconcile_seconds: float = 900.0
    """Interval of the reconciliation sweep inside ``serve`` (0: off; ``reconcile`` runs it once)."""
    reconcile_max_repositories: int = 500
    """Repositories one reconciliation sweep looks at, at most (the rest wait for a later one)."""
    reconcile_max_pulls: int = 1000
    """Open pull requests one sweep looks at, at most (one check-runs request each)."""
    token_margin_seconds: float = 300.0
    """An installation token is renewed when it has less than this left."""
