"""Bounded HTTP downloads for the fetch step: a byte limit, a deadline, no credential leaks.

Only this step opens connections to chart repositories, from the validator's own process (the
render runs later, in its sandbox, without network). Credentials go only to the allowlisted
repository's own origin and are never carried across a redirect
(``Request.add_unredirected_header``).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from validator.charts.model import FETCH_FAILED, TOO_LARGE, ChartError

_LOGGER = logging.getLogger(__name__)
_CHUNK = 64 * 1024


class _HttpRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects to http(s) only (urllib's own handler also follows ``ftp://``), and from https
    to https only."""

    def redirect_request(  # noqa: PLR0917 - urllib calls it positionally
            self, req: urllib.request.Request, fp: Any, code: int, msg: str,
            headers: Any, newurl: str) -> urllib.request.Request | None:
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https") or (origin(req.full_url)[0] == "https"
                                               and scheme != "https"):
            raise ChartError(FETCH_FAILED, f"{req.full_url}: redirected to {newurl}; refused "
                                           "(http(s) only, never https downgraded to http)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpRedirects)


def origin(url: str) -> tuple[str, str]:
    """``(scheme, host:port)`` of ``url``, lowercased."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.rsplit("@", 1)[-1].lower()


def download(url: str, *, max_bytes: int, deadline: float,
             auth: tuple[str, str] | None = None, auth_origin: tuple[str, str] | None = None,
             what: str = "") -> bytes:
    """The body of ``url``, at most ``max_bytes`` long, read before ``deadline`` (monotonic);
    raise :class:`ChartError` otherwise. ``auth`` is sent only when ``url`` is on
    ``auth_origin``.

    urllib's timeout bounds each socket read, not the transfer: a server sending one byte
    before every timeout would hold the run for hours. The transfer runs in a daemon thread
    that this one waits for until ``deadline``; a transfer still running then is left behind
    (bounded by ``max_bytes``; reading its body, it stops at its next byte) and is a finding."""
    outcome: list[bytes | BaseException] = []
    done = threading.Event()

    def transfer() -> None:
        try:
            outcome.append(_download(url, max_bytes=max_bytes, deadline=deadline, auth=auth,
                                     auth_origin=auth_origin, what=what))
        except BaseException as exc:  # handed to the waiting thread, raised there
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=transfer, name="chart-download", daemon=True).start()
    if not done.wait(max(0.0, deadline - time.monotonic())):
        raise ChartError(FETCH_FAILED, f"{what or url}: the time limit was reached")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _download(url: str, *, max_bytes: int, deadline: float, auth: tuple[str, str] | None,
              auth_origin: tuple[str, str] | None, what: str) -> bytes:
    """:func:`download`'s transfer, in its thread."""
    if origin(url)[0] not in ("http", "https"):
        raise ChartError(FETCH_FAILED, f"{what or url}: only http(s) URLs are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "gitops-validator"})  # noqa: S310
    if auth is not None and auth_origin == origin(url):
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_unredirected_header("Authorization", f"Basic {token}")
    left = deadline - time.monotonic()
    if left <= 0:
        raise ChartError(FETCH_FAILED, f"{what or url}: the time limit was reached")
    _LOGGER.debug("Fetching %s", url)
    try:
        with _OPENER.open(request, timeout=left) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ChartError(TOO_LARGE, f"{what or url} is {length} bytes, more than the "
                                              f"limit of {max_bytes} (charts.max_bytes)")
            body = bytearray()
            while chunk := response.read1(_CHUNK):  # what arrived: the deadline is checked
                body += chunk
                if len(body) > max_bytes:
                    raise ChartError(TOO_LARGE, f"{what or url} is larger than the limit of "
                                                  f"{max_bytes} bytes (charts.max_bytes)")
                if time.monotonic() > deadline:
                    raise ChartError(FETCH_FAILED, f"{what or url}: the time limit was reached")
            return bytes(body)
    except urllib.error.HTTPError as exc:
        raise ChartError(FETCH_FAILED, f"{what or url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChartError(FETCH_FAILED, f"{what or url}: {reason}") from exc
