"""A GitLab API session over python-gitlab: timeouts, ``Retry-After``, one error type.

Every call the publisher, the webhook app's jobs and reconciliation make goes through one
:class:`GitLabSession`, so the fault policy lives in one place (as
:mod:`validator.scm.github.client` does for GitHub):

- every request has a timeout; 429 (``Retry-After``, else ``RateLimit-Reset``) and 5xx
  answers are retried a bounded number of times, a wait beyond ``max_wait`` is not slept;
- a POST whose answer never came is not re-sent (GitLab may have acted on it), nor is a POST
  answered 5xx (it may have landed: a second discussion would repeat the finding); a 429 is
  GitLab refusing before acting, so it is retried for every verb;
- failures leave as :class:`GitLabCallError` (HTTP status, GitLab's ``message``);
- an answer's body is read up to ``max_response_bytes`` (decoded), else the call fails;
- a redirect is never followed (a :class:`GitLabCallError`): requests would re-send the
  ``PRIVATE-TOKEN`` header to whatever host the redirect names (it strips only
  ``Authorization``).

python-gitlab's own retries are turned off (``max_retries=0``, ``obey_rate_limit=False``,
``retry_transient_errors=False`` on each call): its ``utils.Retry`` sleeps whatever
``Retry-After`` says with no bound and no hook, reads only whole seconds, and would re-send a
POST after a read timeout when transient retries are on. The loop here does what it does
(``Retry-After``, else ``RateLimit-Reset``, else exponential backoff) within ``max_wait``.
Rate limits: https://docs.gitlab.com/ee/administration/settings/user_and_ip_rate_limits.html
(``Retry-After`` and ``RateLimit-Reset`` response headers); errors: https://docs.gitlab.com/ee/api/rest/troubleshooting.html
(``{"message": ...}`` or ``{"error": ...}`` bodies). The token travels in the
``PRIVATE-TOKEN`` header only, never in a URL or a message.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import gitlab
import gitlab.exceptions
import requests

from validator.scm.api_errors import ApiCallError, never_connected

__all__ = ["MAX_PAGES", "MAX_RESPONSE_BYTES", "RETRIES", "GitLabCallError", "GitLabSession"]

#: Retries of one request after a 429 or 5xx (or a connection never made).
RETRIES = 4
#: Pages of a listing read at most (100 items each).
MAX_PAGES = 30
#: The largest answer body read (decoded; a page of 100 discussions of 1 MB notes fits): beyond
#: it the call fails instead of the worker holding whatever a broken or hostile server sends.
MAX_RESPONSE_BYTES = 128 * 1024 * 1024
#: Backoff of a retry without ``Retry-After``: 0.5 s, 1 s, 2 s, 4 s (at most ``max_wait``).
_BACKOFF = 0.5


class GitLabCallError(ApiCallError):
    """A GitLab API call failed after its retries: the status (None when no answer came) and
    GitLab's message (``{"message": ...}`` or ``{"error": ...}``)."""

    @property
    def forbidden(self) -> bool:
        """The token may not do this (401 or 403): stop writing."""
        return self.status in (401, 403)


class _TooLargeError(Exception):
    """An answer's body is over the session's cap (raised by the response hook)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit} bytes: not read")


class GitLabSession:
    """python-gitlab's ``Gitlab`` for one instance and token, with the fault policy above.

    Paths are API paths below ``/api/v4`` (``/projects/14/merge_requests/1``); a project is
    addressed by its numeric id. Thread-safe for one job (one session per job)."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0, max_wait: float = 60.0,
                 on_wait: Callable[[float], None] | None = None,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self._gl = gitlab.Gitlab(url.rstrip("/"), private_token=token, timeout=timeout,
                                 retry_transient_errors=False)
        self._timeout = timeout
        self._max_wait = max_wait
        self._on_wait = on_wait
        self._max_bytes = max_response_bytes
        self._lock = threading.Lock()
        self._last = threading.local()
        # python-gitlab's errors keep the body, not the headers: a response hook (requests'
        # public hook API) remembers the last answer's headers for Retry-After
        self._gl.session.hooks["response"].append(self._remember)
        # no redirect is followed: requests re-sends every header but Authorization to the
        # host a redirect names, and the token travels in PRIVATE-TOKEN
        self._gl.session.max_redirects = 0
        self.calls = 0

    calls: int
    """Requests made (for the log line and the app's metrics), retries included."""

    def __repr__(self) -> str:
        return f"GitLabSession({self._gl.url!r})"  # never the token

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One GET's decoded JSON."""
        return _json(self._call("GET", path, params=params))

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated listing (``per_page=100``, at most :data:`MAX_PAGES`
        pages), following ``X-Next-Page`` as GitLab documents
        (https://docs.gitlab.com/ee/api/rest/#pagination)."""
        items: list[Any] = []
        page = "1"
        for _ in range(MAX_PAGES):
            answer = self._call("GET", path, params={**(params or {}), "per_page": 100, "page": page})
            data = _json(answer)
            items.extend(data if isinstance(data, list) else [])
            page = answer.headers.get("X-Next-Page", "").strip()
            if not page:
                break
        return items

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """One POST (JSON body); never re-sent after a timeout (``ambiguous``)."""
        return _json(self._call("POST", path, body=body))

    def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """One PUT (JSON body); idempotent, retried."""
        return _json(self._call("PUT", path, body=body))

    def close(self) -> None:
        """Release the HTTP connections."""
        self._gl.session.close()

    def _call(self, verb: str, path: str, *, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None) -> requests.Response:
        call = f"{verb} {path.split('?', maxsplit=1)[0]}"
        attempt = 0
        while True:
            with self._lock:
                self.calls += 1
            try:
                return self._gl.http_request(
                    verb.lower(), path, query_data=dict(params or {}),
                    post_data=dict(body) if body is not None else None,
                    obey_rate_limit=False, retry_transient_errors=False, max_retries=0,
                    timeout=self._timeout)
            except gitlab.exceptions.GitlabError as err:  # an HTTP error answer (401 included)
                status = err.response_code
                retry = status == 429 or (status is not None and status >= 500 and verb != "POST")
                if retry and attempt < RETRIES:
                    wait = _wait(getattr(self._last, "headers", {}), attempt)
                    if wait <= self._max_wait:
                        self._sleep(wait)
                        attempt += 1
                        continue
                raise _call_error(call, err, rate_limited=status == 429) from err
            except requests.Timeout as err:
                if isinstance(err, requests.ConnectTimeout):  # never sent: like a refused connection
                    if attempt < RETRIES:
                        attempt += 1
                        continue
                    raise GitLabCallError(call, None, f"no connection within {self._timeout:g} s",
                                          unreachable=True) from err
                if verb != "POST" and attempt < RETRIES:
                    attempt += 1
                    continue
                raise GitLabCallError(call, None, f"timed out after {self._timeout:g} s",
                                      ambiguous=verb == "POST") from err
            except _TooLargeError as err:  # a broken or hostile answer: the same again if retried
                raise GitLabCallError(call, None, str(err)) from None
            except requests.TooManyRedirects as err:  # max_redirects=0: before it is followed
                raise GitLabCallError(call, None, _redirect(err.response)) from None
            except requests.RequestException as err:
                never = never_connected(err)
                if (never or verb != "POST") and attempt < RETRIES:
                    self._sleep(min(_BACKOFF * 2 ** attempt, self._max_wait))
                    attempt += 1
                    continue
                raise GitLabCallError(call, None, f"{type(err).__name__}: {err}", unreachable=never,
                                      ambiguous=verb == "POST" and not never) from err

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        del args, kwargs
        self._last.headers = response.headers
        self._read_bounded(response)
        return response

    def _read_bounded(self, response: requests.Response) -> None:
        """Read the body here, at most ``max_response_bytes`` of it decoded (a gzip bomb
        included): the hook runs before requests reads the body, which it would read whole."""
        limit = self._max_bytes
        declared = response.headers.get("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise _TooLargeError(limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                response.close()
                raise _TooLargeError(limit)
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what requests keeps as the read body

    def _sleep(self, seconds: float) -> None:
        if self._on_wait is not None:
            self._on_wait(seconds)
        time.sleep(seconds)


def _redirect(response: requests.Response | None) -> str:
    """Why a redirect answer is refused, naming where it pointed (scheme and host only)."""
    location = response.headers.get("Location", "") if response is not None else ""
    parts = urlsplit(location)
    where = f"{parts.scheme}://{parts.hostname}" if parts.scheme and parts.hostname else "elsewhere"
    status = response.status_code if response is not None else "3xx"
    return (f"GitLab answered with a redirect (HTTP {status}) to {where}: not followed (the token "
            "would go with it); set GITLAB_URL (or CI_API_V4_URL) to the instance's own URL")


def _wait(headers: Mapping[str, str], attempt: int) -> float:
    """Seconds to wait before retry ``attempt``: ``Retry-After`` (seconds or an HTTP date),
    else ``RateLimit-Reset`` (epoch seconds), else exponential backoff."""
    after = headers.get("Retry-After", "").strip()
    if after:
        if after.isdigit():
            return float(after)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(after).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    reset = headers.get("RateLimit-Reset", "").strip()
    if reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return float(_BACKOFF * 2 ** attempt)


def _call_error(call: str, err: gitlab.exceptions.GitlabError, *, rate_limited: bool) -> GitLabCallError:
    """GitLab's ``message`` (or ``error``) from the body; a structured message (a dict of
    field errors) as its text."""
    body = err.response_body
    data: Any = None
    if isinstance(body, bytes | str) and body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    message: Any = err.error_message
    if isinstance(data, dict):
        message = data.get("message", data.get("error", message))
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return GitLabCallError(call, err.response_code, str(message), rate_limited=rate_limited, data=data)


def _json(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
