"""Injected failures: a status, headers, a body or a delay for requests that match.

A fault matches by method and a regular expression on the path, optionally a predicate on the
parsed JSON body (``lambda body: any(c["line"] == 7 for c in body.get("comments", []))``), and
fires ``times`` times (None: always). Faulted requests are recorded but do not change state,
as when GitHub rejects a request. A ``delay`` longer than the client's timeout is a timeout;
with ``status=None`` the request is then served normally (a slow success).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SECONDARY_RATE_LIMIT = ("You have exceeded a secondary rate limit. "
                        "Please wait a few minutes before you try again.")
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


@dataclass(kw_only=True)
class Fault:
    """One injected failure and how often it still fires."""

    method: str
    path: re.Pattern[str]
    status: int | None
    headers: Mapping[str, str]
    body: Any
    delay: float
    times: int | None
    match_body: Callable[[Any], bool] | None
    fired: int = 0
    """How often the fault fired so far. ``body``: JSON, or a ``str`` sent as ``text/html``."""

    def matches(self, method: str, path: str, body: Any) -> bool:
        """Whether this request triggers the fault (it has not fired ``times`` times yet)."""
        if self.method not in ("*", method.upper()) or not self.path.search(path):
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        return self.match_body is None or bool(self.match_body(body))


@dataclass
class Faults:
    """The faults registered on a server (``gh.faults``)."""

    items: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, method: str = "*", path: str = ".*", status: int | None = 500,
            headers: Mapping[str, str] | None = None, body: Any = None, delay: float = 0.0,
            times: int | None = 1, match_body: Callable[[Any], bool] | None = None) -> Fault:
        """Register a fault; the first registered matching fault fires."""
        fault = Fault(method=method.upper(), path=re.compile(path), status=status,
                      headers=dict(headers or {}), body=body if body is not None else _default_body(status),
                      delay=delay, times=times, match_body=match_body)
        with self.lock:
            self.items.append(fault)
        return fault

    def secondary_rate_limit(self, *, method: str = "*", path: str = ".*", retry_after: int = 1,
                             times: int | None = 1) -> Fault:
        """GitHub's secondary rate limit: 403, ``Retry-After``, its message."""
        return self.add(method=method, path=path, status=403, times=times,
                        headers={"Retry-After": str(retry_after)},
                        body={"message": SECONDARY_RATE_LIMIT,
                              "documentation_url": RATE_LIMIT_DOCS})

    def primary_rate_limit(self, *, method: str = "*", path: str = ".*", reset_in: int = 1,
                           times: int | None = 1, status: int = 403, now: float | None = None) -> Fault:
        """The primary rate limit: ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` (epoch seconds)."""
        reset = int((now if now is not None else time.time()) + reset_in)
        return self.add(method=method, path=path, status=status, times=times,
                        headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
                                 "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset)},
                        body={"message": "API rate limit exceeded for installation.",
                              "documentation_url": RATE_LIMIT_DOCS})

    def take(self, method: str, path: str, body: Any) -> Fault | None:
        """The fault this request triggers (counted as fired), or None."""
        with self.lock:
            for fault in self.items:
                if fault.matches(method, path, body):
                    fault.fired += 1
                    return fault
        return None


def _default_body(status: int | None) -> Any:
    messages = {429: "Too Many Requests", 500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout", 403: "Forbidden", 422: "Unprocessable Entity", 404: "Not Found"}
    if status is None:
        return None
    return {"message": messages.get(status, "Error"), "documentation_url": "https://docs.github.com/rest"}
