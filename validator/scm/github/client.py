"""A GitHub API session: PyGithub with timeouts, bounded retries and serialised writes.

Everything the publisher sends goes through one :class:`GitHubSession`, so the fault policy
(what is retried, how long a wait may be, that writes never overlap) lives in one place.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from github import Github


@dataclass(kw_only=True)
class GitHubSession:
    """An authenticated PyGithub client and the settings every call is made with."""

    github: Github
    """The PyGithub client (REST); its requester also carries GraphQL requests."""
    api_url: str
    """The REST API root (``https://api.github.com`` or a GHES ``.../api/v3``)."""
    graphql_url: str
    """The GraphQL endpoint matching ``api_url``."""
    timeout: float
    """Seconds each HTTP request may take."""
    max_wait: float
    """The longest a rate-limit or ``Retry-After`` wait may be before the call gives up."""
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    """Held for every write: GitHub asks integrations not to send concurrent writes."""


def connect(api_url: str, token: str, *, graphql_url: str | None = None,
            timeout: float = 30.0, max_wait: float = 60.0) -> GitHubSession:
    """Open a session on ``api_url`` with ``token`` (no request is made yet)."""
    raise NotImplementedError
