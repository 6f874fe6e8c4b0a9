"""The fetch step: one remote chart, checked against the trusted configuration, from the cache
or from its repository, or a finding saying why not.

Order of the checks: a ``charts.local`` folder configured for the chart wins (no network);
then the version must be pinned, the repository allowlisted; then the cache answers, and only
then is the network used (HTTP(S) repositories by :mod:`repository`, OCI registries by
``helm pull``), bounded by ``charts.max_bytes`` and ``charts.timeout``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from validator.charts.allowlist import (
    allowed_repository,
    credentials,
    is_chart_name,
    is_pinned,
    normalise_url,
)
from validator.charts.cache import ChartCache
from validator.charts.config import MAX_FETCHES, ChartRepository, ChartSettings
from validator.charts.model import (
    FETCH_FAILED,
    NOT_ALLOWED,
    NOT_PINNED,
    ChartError,
    ChartRequest,
    FetchedChart,
    chart_finding,
)
from validator.model import Finding, Severity

_LOGGER = logging.getLogger(__name__)


def fetch_chart(request: ChartRequest, settings: ChartSettings) -> FetchedChart | Finding:
    """The chart ``request`` names, ready to render, or the finding that says why it is not."""
    if not is_chart_name(request.chart):
        return chart_finding(request, FETCH_FAILED, f"{request}: not a chart name (letters, "
                             "digits, '.', '_' and '-'); chart not rendered")
    local = _local_chart(request, settings)
    if local is not None:
        return local
    repository = allowed_repository(request.repo_url, settings)
    if not is_pinned(request.version):
        return chart_finding(request, NOT_PINNED, f"{request}: the version must be one exact "
                             "version (a range, `latest` or none is not fetched); chart not "
                             "rendered")
    if repository is None or settings.cache_dir is None:
        return chart_finding(request, NOT_ALLOWED, f"{request} is not rendered: the repository "
                             "is not in charts.repositories of .gitops-validator.yaml",
                             Severity.WARNING)
    return _fetch(request, repository, settings, settings.cache_dir)


def _fetch(request: ChartRequest, repository: ChartRepository, settings: ChartSettings,
           cache_dir: Path) -> FetchedChart | Finding:
    """From the cache, else from the network into the cache."""
    # urllib.request (and ssl) cost every run tens of milliseconds; only a fetch pays for them
    from validator.charts.oci import fetch_from_registry  # noqa: PLC0415
    from validator.charts.repository import fetch_from_repository  # noqa: PLC0415

    config = settings.config
    cache = ChartCache(cache_dir)
    try:
        cached = cache.lookup(request, max_bytes=config.max_bytes)
        if cached is not None:
            return cached
        if not settings.budget.take():
            return chart_finding(request, FETCH_FAILED, f"{request}: this run already made "
                                 f"{MAX_FETCHES} fetches (no more than {MAX_FETCHES} per run); "
                                 "chart not rendered")
        started = time.monotonic()
        deadline = started + config.timeout
        auth = credentials(repository, settings.environ)
        if normalise_url(request.repo_url).startswith("oci://"):
            data = fetch_from_registry(request, max_bytes=config.max_bytes, deadline=deadline,
                                       auth=auth)
        else:
            data = fetch_from_repository(request, repository, max_bytes=config.max_bytes,
                                         deadline=deadline, auth=auth)
        fetched = cache.store(request, data, max_bytes=config.max_bytes)
        _LOGGER.debug("Fetched %s (%d bytes) in %.2fs", request, len(data),
                      time.monotonic() - started)
        return fetched
    except ChartError as problem:
        return chart_finding(request, problem.rule, f"{request}: {problem.message}; chart not "
                             "rendered")
    except OSError as exc:  # the cache folder cannot be written
        return chart_finding(request, FETCH_FAILED, f"{request}: the chart cache "
                             f"{settings.cache_dir} cannot be used: {exc}; chart not rendered")


def _local_chart(request: ChartRequest, settings: ChartSettings) -> FetchedChart | Finding | None:
    """The ``charts.local`` folder configured for ``request``, if any."""
    url = normalise_url(request.repo_url)
    for local in settings.config.local:
        if normalise_url(local.repository) != url or local.chart != request.chart or \
                (local.version and local.version != request.version):
            continue
        if settings.root is None:
            return None
        folder = settings.root / local.path
        if not _inside(settings.root, folder) or not (folder / "Chart.yaml").is_file():
            return chart_finding(request, FETCH_FAILED, f"{request}: charts.local folder "
                                 f"{local.path} has no Chart.yaml inside the repository; chart "
                                 "not rendered")
        return FetchedChart(path=folder.absolute(), local=True)
    return None


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path`` resolves (links followed) to a place under ``root``."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
