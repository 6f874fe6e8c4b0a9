"""Injected failures for the GitLab test server: rate limits and error answers.

A fault matches a method (``*``: any) and a regular expression searched in the request path
(``/api/v4/projects/14/statuses/<sha>``) and fires ``times`` times (None: always). A faulted
request is recorded but changes nothing, as when GitLab refuses it. ``delay`` holds the answer
(cut short when the server closes); with ``status=None`` the request is then served normally,
so a client that timed out may still have had its effect (an ambiguous write).

GitLab's rate limiter (Rack::Attack) answers 429 with a plain-text ``Retry later`` body and the
headers ``Retry-After`` and ``RateLimit-Name/-Limit/-Observed/-Remaining/-Reset/-ResetTime``
(https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-headers).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

RATE_LIMIT_TEXT = "Retry later\n"


@dataclass(kw_only=True)
class Fault:
    """One injected failure and how often it still fires (``body``: JSON, or ``str`` as text)."""

    method: str
    path: re.Pattern[str]
    status: int | None
    headers: Mapping[str, str]
    body: Any
    times: int | None
    delay: float = 0.0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()) or not self.path.search(path):
            return False
        return self.times is None or self.fired < self.times


@dataclass
class Faults:
    """The faults registered on a server (``srv.faults``); the first matching one fires."""

    items: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, method: str, path_regex: str, status: int | None, times: int | None = 1, *,
             body: Any = None, headers: Mapping[str, str] | None = None, delay: float = 0.0) -> Fault:
        """Answer ``status`` with ``body`` (default: GitLab's ``{"message": "<status> <reason>"}``)
        after ``delay`` seconds; ``status=None``: serve the request normally after the delay."""
        if body is None and status is not None:
            body = {"message": f"{status} {HTTPStatus(status).phrase}"}
        fault = Fault(method=method.upper(), path=re.compile(path_regex), status=status,
                      headers=dict(headers or {}), body=body, times=times, delay=delay)
        with self.lock:
            self.items.append(fault)
        return fault

    def rate_limit(self, method: str, path_regex: str, times: int | None = 1, retry_after: int = 1) -> Fault:
        """GitLab's 429: ``Retry-After`` and the ``RateLimit-*`` headers, text ``Retry later``."""
        reset = int(time.time()) + retry_after
        headers = {"Retry-After": str(retry_after), "RateLimit-Name": "throttle_authenticated_api",
                   "RateLimit-Limit": "60", "RateLimit-Observed": "61", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(reset), "RateLimit-ResetTime": formatdate(reset, usegmt=True)}
        return self.fail(method, path_regex, 429, times=times, body=RATE_LIMIT_TEXT, headers=headers)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request triggers (counted as fired), or None."""
        with self.lock:
            for fault in self.items:
                if fault.matches(method, path):
                    fault.fired += 1
                    return fault
        return None
