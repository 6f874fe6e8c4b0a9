"""A GitLab API session over python-gitlab: timeouts, ``Retry-After``, one error type.

Every call the publisher, the webhook app's jobs and reconciliation make goes through one
:class:`GitLabSession`, so the fault policy lives in one place (as
:mod:`validator.scm.github.client` does for GitHub):

- every request has a timeout; 429 (``Retry-After``, else ``RateLimit-Reset``) and 5xx
  answers are retried a bounded number of times, a wait beyond ``max_wait`` is not slept;
- a POST whose answer never came is not re-sent (GitLab may have acted on it);
- failures leave as :class:`GitLabCallError` (HTTP status, GitLab's ``message``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from validator.errors import ValidatorError

__all__ = ["GitLabCallError", "GitLabSession"]


class GitLabCallError(ValidatorError):
    """A GitLab API call failed after its retries: the status (None when no answer came) and
    GitLab's message (``{"message": ...}`` or ``{"error": ...}``)."""

    def __init__(self, call: str, status: int | None, message: str, *, ambiguous: bool = False,
                 rate_limited: bool = False, unreachable: bool = False, data: Any = None) -> None:
        where = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{call}: {where}: {message}")
        self.status = status
        self.message = message
        self.ambiguous = ambiguous
        """The request was sent but no answer came: GitLab may have acted on it."""
        self.rate_limited = rate_limited
        """A rate limit outlasted the retries or asked for a wait beyond ``max_wait``."""
        self.unreachable = unreachable
        """No connection could be made, retries included."""
        self.data = data
        """The decoded error body, when there was one."""

    @property
    def forbidden(self) -> bool:
        """The token may not do this (401 or 403): stop writing."""
        return self.status in (401, 403)


class GitLabSession:
    """python-gitlab's ``Gitlab`` for one instance and token, with the fault policy above.

    Paths are API paths below ``/api/v4`` (``/projects/14/merge_requests/1``); a project is
    addressed by its numeric id. Thread-safe for one job (one session per job)."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0, max_wait: float = 60.0,
                 on_wait: Callable[[float], None] | None = None) -> None:
        raise NotImplementedError

    calls: int
    """Requests made (for the log line and the app's metrics)."""

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One GET's decoded JSON."""
        raise NotImplementedError

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated listing (``per_page=100``, bounded pages)."""
        raise NotImplementedError

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """One POST (JSON body); never re-sent after a timeout (``ambiguous``)."""
        raise NotImplementedError

    def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """One PUT (JSON body); idempotent, retried."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the HTTP connections."""
        raise NotImplementedError
