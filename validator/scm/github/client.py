"""A GitHub API session: PyGithub with timeouts, bounded retries and serialised writes.

Everything the publisher sends goes through one :class:`GitHubSession`, so the fault policy
lives in one place:

- every request has a timeout; 5xx and 429 answers are retried with exponential backoff,
  a secondary rate limit (403 with ``Retry-After`` or GitHub's message) after its wait;
- ``Retry-After`` and, when the quota is spent, ``x-ratelimit-reset`` are honoured, but a
  wait longer than ``max_wait`` is not slept: the call fails at once (:class:`WaitTooLong`);
- a POST whose answer timed out is not re-sent (GitHub may have acted on it); the
  publisher checks what landed instead. GET, PATCH, PUT and DELETE are idempotent and retried;
- writes never overlap (one lock) and are spaced by ``seconds_between_writes``.

Failures leave as :class:`GitHubCallError` (HTTP status, GitHub's message), the one error
type the publisher handles.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import requests
import urllib3.exceptions
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from github.Requester import Requester
from urllib3.connectionpool import ConnectionPool
from urllib3.response import BaseHTTPResponse, HTTPResponse

from validator.scm.api_errors import ApiCallError, never_connected

_LOGGER = logging.getLogger(__name__)

#: Spacing of write requests (GitHub asks integrations to wait between writes; kept small
#: because one run makes a handful of them).
SECONDS_BETWEEN_WRITES = 0.05
#: Retries of one request (5xx, 429, rate limits, timeouts of idempotent calls).
RETRIES = 4
#: Pages of a listing read at most (100 items each).
MAX_PAGES = 30
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubCallError(ApiCallError):
    """A GitHub API call failed after its retries: the status (None when no answer came)
    and GitHub's message."""


class WaitTooLong(GithubException):
    """A rate limit or ``Retry-After`` asks for a longer wait than the session allows."""


class BoundedRetry(GithubRetry):
    """PyGithub's retry with every wait bounded by ``max_wait`` and no re-sent POST after a
    timeout."""

    def __init__(self, *, max_wait: float = 60.0, on_wait: Callable[[float], None] | None = None,
                 **kwargs: Any) -> None:
        self.max_wait = max_wait
        self.on_wait = on_wait
        """Told of every rate-limit or ``Retry-After`` wait (the app counts them)."""
        kwargs.setdefault("secondary_rate_wait", min(60.0, max_wait))
        kwargs.setdefault("max_rate_limit_wait", max_wait)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> BoundedRetry:
        kw["max_wait"] = self.max_wait
        kw["on_wait"] = self.on_wait
        return super().new(**kw)

    def increment(self, method: str | None = None, url: str | None = None,  # type: ignore[override]
                  response: HTTPResponse | None = None, error: Exception | None = None,
                  _pool: ConnectionPool | None = None,
                  _stacktrace: TracebackType | None = None) -> urllib3.Retry:
        if error is not None and method == "POST" and self._is_read_error(error):
            raise error  # sent but unanswered: re-sending could post a second review
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """``Retry-After``, else the time to ``x-ratelimit-reset`` when the quota is spent;
        refused (:class:`WaitTooLong`) beyond ``max_wait``."""
        wait = super().get_retry_after(response)
        headers = response.headers
        if wait is None and headers.get("x-ratelimit-remaining") == "0":
            reset = headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                wait = max(0.0, int(reset) - time.time()) + 1.0
        if wait is not None and wait > self.max_wait:
            raise WaitTooLong(response.status, {"message": f"GitHub asks to wait {wait:.0f} s, "
                                                f"more than the {self.max_wait:.0f} s allowed"},
                              dict(headers))
        if wait is not None and self.on_wait is not None:
            self.on_wait(wait)
        return wait


@dataclass(kw_only=True)
class GitHubSession:
    """An authenticated PyGithub client and the settings every call is made with."""

    github: Github
    """The PyGithub client; its requester sends the REST and GraphQL requests."""
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
    calls: int = 0
    """Calls made (each may have been retried inside the HTTP layer)."""

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """GET ``path`` (relative to the API root) and return the decoded JSON."""
        return self._call("GET", path, params=params)[1]

    def get_all(self, path: str, params: Mapping[str, str | int] | None = None, *,
                key: str | None = None, limit: int | None = None) -> list[Any]:
        """Every item of a paginated listing (100 per page, at most :data:`MAX_PAGES` pages),
        following the ``Link: rel="next"`` header as GitHub documents. ``key``: the list inside
        a wrapper object (``{"total_count": 2, "repositories": [...]}``); ``limit``: stop once
        that many items were read (no further page is asked for)."""
        items: list[Any] = []
        url: str | None = path
        query: dict[str, str | int] | None = {**(params or {}), "per_page": 100}
        for _ in range(MAX_PAGES):
            if url is None or (limit is not None and len(items) >= limit):
                break
            headers, data = self._call("GET", url, params=query)
            if key is not None:
                data = data.get(key) if isinstance(data, dict) else None
            items.extend(data if isinstance(data, list) else [])
            url, query = _next_link(headers), None  # the next link carries the query
        return items if limit is None else items[:limit]

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST JSON to ``path``; serialised with every other write."""
        with self.write_lock:
            return self._call("POST", path, body=body)[1]

    def patch(self, path: str, body: Mapping[str, Any]) -> Any:
        """PATCH JSON to ``path``; serialised with every other write."""
        with self.write_lock:
            return self._call("PATCH", path, body=body)[1]

    def graphql(self, query: str, variables: Mapping[str, Any], *, write: bool = False) -> Any:
        """Run a GraphQL document; returns ``data``. GraphQL errors (``FORBIDDEN``,
        ``NOT_FOUND``...) raise :class:`GitHubCallError` with the first error's type and
        message (403 for ``FORBIDDEN``)."""
        body = {"query": query, "variables": dict(variables)}
        if write:
            with self.write_lock:
                _, answer = self._call("POST", self.graphql_url, body=body)
        else:
            _, answer = self._call("POST", self.graphql_url, body=body)
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            status = 403 if first.get("type") == "FORBIDDEN" else 400
            raise GitHubCallError("POST graphql", status, str(first.get("message", errors)),
                                  data=answer)
        return answer.get("data") if isinstance(answer, dict) else None

    def _call(self, verb: str, url: str, *, params: Mapping[str, str | int] | None = None,
              body: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        self.calls += 1
        call = f"{verb} {url.split('?', maxsplit=1)[0]}"
        requester = self.github.requester
        try:
            return requester.requestJsonAndCheck(verb, url, parameters=dict(params or {}) or None,
                                                 input=dict(body) if body is not None else None)
        except GithubException as err:
            data = err.data if isinstance(err.data, dict) else {}
            message = str(data.get("message") or err.message or err)
            limited = (isinstance(err, RateLimitExceededException | WaitTooLong) or err.status == 429
                       or Requester.isRateLimitError(message))
            raise GitHubCallError(call, err.status, message, rate_limited=limited,
                                  data=err.data) from err
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError) as err:
            raise GitHubCallError(call, None, f"timed out after {self.timeout:g} s",
                                  ambiguous=verb == "POST") from err
        except (requests.RequestException, urllib3.exceptions.HTTPError) as err:
            unreachable = never_connected(err)
            raise GitHubCallError(call, None, f"{type(err).__name__}: {err}", unreachable=unreachable,
                                  ambiguous=verb == "POST" and not unreachable) from err


def connect(api_url: str, token: str | Auth.Auth, *, graphql_url: str | None = None,
            timeout: float = 30.0, max_wait: float = 60.0,
            on_wait: Callable[[float], None] | None = None) -> GitHubSession:
    """Open a session on ``api_url`` with ``token`` (no request is made yet).

    ``token`` is an access token, or a PyGithub ``Auth`` (a GitHub App's JWT:
    ``Auth.AppAuth``); ``on_wait`` is told of every rate-limit wait.

    ``graphql_url`` defaults to the endpoint that belongs to ``api_url``:
    ``https://api.github.com`` -> ``/graphql``, a GHES ``.../api/v3`` -> ``.../api/graphql``,
    anything else -> ``<api_url>/graphql``.
    """
    api_url = api_url.rstrip("/")
    retry = BoundedRetry(max_wait=max_wait, on_wait=on_wait, total=RETRIES, backoff_factor=0.5,
                         backoff_max=min(8.0, max_wait), raise_on_status=False,
                         status_forcelist=[429, *range(500, 600)],
                         allowed_methods=frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"}))
    auth = Auth.Token(token) if isinstance(token, str) else token
    github = Github(base_url=api_url, auth=auth,
                    timeout=max(1, math.ceil(timeout)),  # PyGithub insists on whole seconds
                    retry=retry, seconds_between_requests=0,
                    seconds_between_writes=SECONDS_BETWEEN_WRITES, per_page=100, lazy=True)
    return GitHubSession(github=github, api_url=api_url,
                         graphql_url=graphql_url or default_graphql_url(api_url),
                         timeout=max(1, math.ceil(timeout)), max_wait=max_wait)


def default_graphql_url(api_url: str) -> str:
    """The GraphQL endpoint of a REST API root (see :func:`connect`)."""
    api_url = api_url.rstrip("/")
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/v3")] + "/graphql"
    return api_url + "/graphql"



def _next_link(headers: Mapping[str, Any]) -> str | None:
    link = next((str(v) for k, v in headers.items() if k.lower() == "link"), "")
    match = _NEXT_LINK.search(link)
    return match[1] if match else None
