"""A chart archive from an HTTP(S) Helm repository: ``index.yaml`` read, the version's entry
found, its archive downloaded and checked against the digest the index gives."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from validator.charts.cache import digest_of
from validator.charts.config import ChartRepository
from validator.charts.http import download, origin
from validator.charts.model import DIGEST_MISMATCH, FETCH_FAILED, ChartError, ChartRequest


def fetch_from_repository(request: ChartRequest, repository: ChartRepository, *,
                          max_bytes: int, deadline: float,
                          auth: tuple[str, str] | None) -> bytes:
    """The verified ``.tgz`` of ``request``; raise :class:`ChartError` otherwise."""
    base = request.repo_url.rstrip("/") + "/"
    home = origin(base)
    index_url = urljoin(base, "index.yaml")
    text = download(index_url, max_bytes=max_bytes, deadline=deadline, auth=auth,
                    auth_origin=home, what=index_url)
    entry = _entry(_parse_index(text, index_url), request, index_url)
    urls = entry.get("urls")
    if not isinstance(urls, list) or not urls or not isinstance(urls[0], str):
        raise ChartError(FETCH_FAILED, f"{index_url}: {request.chart} {request.version} "
                                         "lists no archive URL")
    archive_url = urljoin(base, urls[0])
    scheme = urlsplit(archive_url).scheme.lower()
    if scheme not in ("http", "https") or (home[0] == "https" and scheme != "https"):
        raise ChartError(FETCH_FAILED, f"{index_url}: archive URL {archive_url} is refused "
                                         "(http(s) only, never https downgraded to http)")
    data = download(archive_url, max_bytes=max_bytes, deadline=deadline, auth=auth,
                    auth_origin=home, what=archive_url)
    got = digest_of(data)
    for wanted, where in ((entry.get("digest"), index_url), (request.digest, "the request")):
        if isinstance(wanted, str) and wanted and \
                wanted.lower().removeprefix("sha256:") != got.removeprefix("sha256:"):
            raise ChartError(DIGEST_MISMATCH, f"{archive_url} has digest {got}, {where} says "
                                                f"{wanted}: refused")
    return data


def _parse_index(text: bytes, index_url: str) -> dict[str, Any]:
    try:
        index = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        raise ChartError(FETCH_FAILED, f"{index_url}: not a readable index: {exc}") from exc
    if not isinstance(index, dict) or not isinstance(index.get("entries"), dict):
        raise ChartError(FETCH_FAILED, f"{index_url}: not a Helm repository index "
                                         "(no entries)")
    return index


def _entry(index: dict[str, Any], request: ChartRequest, index_url: str) -> dict[str, Any]:
    versions = index["entries"].get(request.chart)
    if not isinstance(versions, list):
        raise ChartError(FETCH_FAILED, f"{index_url} has no chart {request.chart!r}")
    wanted = request.version.removeprefix("v")
    for entry in versions:
        if isinstance(entry, dict) and str(entry.get("version", "")).removeprefix("v") == wanted:
            return entry
    raise ChartError(FETCH_FAILED, f"{index_url} has no version {request.version!r} of chart "
                                     f"{request.chart!r}")
