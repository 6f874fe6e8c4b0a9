"""What a failed hosting API call says, for GitHub's and GitLab's sessions alike.

Both sessions (:mod:`validator.scm.github.client`, :mod:`validator.scm.gitlab.client`) end a
call that failed after its retries with one error carrying the HTTP status and the platform's
message, and the facts a publisher acts on: was the request perhaps acted on (``ambiguous``),
was it a rate limit, could no connection be made, may the token not do this (``forbidden``).
"""

from __future__ import annotations

from typing import Any

import urllib3.exceptions

from validator.errors import ValidatorError

__all__ = ["ApiCallError", "never_connected"]


class ApiCallError(ValidatorError):
    """A hosting API call failed after its retries: the status (None when no answer came) and
    the platform's message."""

    def __init__(self, call: str, status: int | None, message: str, *, ambiguous: bool = False,
                 rate_limited: bool = False, unreachable: bool = False, data: Any = None) -> None:
        where = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{call}: {where}: {message}")
        self.status = status
        self.message = message
        self.ambiguous = ambiguous
        """The request was sent but no answer came: the platform may have acted on it."""
        self.rate_limited = rate_limited
        """A rate limit outlasted the retries or asked for a wait beyond ``max_wait``."""
        self.unreachable = unreachable
        """No connection could be made, retries included: later calls would fail the same way."""
        self.data = data
        """The decoded error body, when there was one."""

    @property
    def forbidden(self) -> bool:
        """The token may not do this (a 403 that is not a rate limit): stop writing. GitLab's
        session counts a 401 too."""
        return self.status == 403 and not self.rate_limited


def never_connected(err: BaseException) -> bool:
    """True when the error (or what it wraps) is a connection that was never made: refused,
    unresolvable host. The request was not sent."""
    seen: set[int] = set()
    pending: list[object] = [err]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            return True
        reason = getattr(item, "reason", None)
        pending.extend([item.__cause__, item.__context__, reason, *item.args])
    return False
