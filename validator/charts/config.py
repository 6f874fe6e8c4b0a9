"""The ``charts:`` section of ``.gitops-validator.yaml``: which chart repositories may be fetched
from, where fetched charts are cached, and the limits of a fetch.

This is trusted configuration (read from the trusted revision like the rest of the file): the
allowlist is what stands between a change under review and the network, so a change can never
add a repository to it. :func:`chart_settings` resolves it once per run into
:class:`ChartSettings`, what :func:`validator.charts.fetch.fetch_chart` is given.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)

#: Default bound on the bytes of one download (index.yaml or archive) and of one extracted chart.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Default seconds one fetch (index, archive, extraction) may take.
DEFAULT_TIMEOUT = 120.0
#: Most fetches over the network one run makes (the change chooses how many charts and
#: versions it names: each fetch is bounded, their number must be too).
MAX_FETCHES = 100


class FetchBudget:
    """The network fetches a run has left (shared by its threads; a worker process of the
    render counts its own copy)."""

    def __init__(self, fetches: int = MAX_FETCHES) -> None:
        self.left = fetches
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, int]:
        """Settings go to render worker processes: each gets what is left (not the lock)."""
        return {"left": self.left}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.left = state["left"]
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether one more fetch may be made (counted)."""
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


@dataclass(frozen=True, kw_only=True)
class ChartRepository:
    """One allowlisted Helm repository (``https://...``, its ``index.yaml`` there) or OCI
    registry path (``oci://host/path``)."""

    url: str
    """As written; matched after :func:`validator.charts.allowlist.normalise_url`."""
    name: str = ""
    """Names the credentials in the environment (``GITOPS_VALIDATOR_CHART_<NAME>_USERNAME`` and
    ``_PASSWORD``); empty: the repository is fetched from anonymously."""
    line: int = 0
    """Line of the entry in the configuration file."""


@dataclass(frozen=True, kw_only=True)
class LocalChart:
    """A folder of the repository to render a remote chart from instead of fetching it."""

    repository: str
    """The repository URL the chart is named with."""
    chart: str
    version: str = ""
    """Empty: every version of the chart."""
    path: str
    """Repository-relative chart folder (holding Chart.yaml)."""
    line: int = 0


@dataclass(frozen=True, kw_only=True)
class ChartsConfig:
    """The ``charts:`` section as written (defaults when absent: nothing is fetched)."""

    repositories: tuple[ChartRepository, ...] = ()
    cache_dir: str = ""
    """Absolute or ``~/...`` (the schema refuses a relative folder: one inside the checked
    repository would let a change plant charts in the cache); empty: the user's cache folder."""
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    local: tuple[LocalChart, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ChartSettings:
    """What one run fetches with: the configuration resolved against the checked root."""

    config: ChartsConfig = field(default_factory=ChartsConfig)
    root: Path | None = None
    """The checked repository (``local`` folders are inside it); None: no local charts."""
    cache_dir: Path | None = None
    """Where fetched charts are kept across runs; None: nothing may be fetched."""
    environ: Mapping[str, str] | None = None
    """Where credentials are read from (None: ``os.environ``); tests give their own."""
    budget: FetchBudget = field(default_factory=FetchBudget, compare=False, repr=False)
    """The run's fetches left (:data:`MAX_FETCHES`)."""


def default_chart_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gitops-validator/charts`` (``~/.cache/...`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-validator" / "charts"


def chart_settings(config: ChartsConfig, *, root: Path) -> ChartSettings:
    """``config`` resolved for a run over ``root``.

    A cache folder inside ``root`` (an absolute ``cache_dir`` such as ``/workspace/.cache``,
    or ``$XDG_CACHE_HOME`` there) is never used: a change could commit cache entries, a
    planted chart served as the repository's. The user's cache folder is used instead, or
    none (nothing is fetched) when that one is inside ``root`` too."""
    cache = Path(config.cache_dir).expanduser() if config.cache_dir else default_chart_cache_dir()
    if not cache.is_absolute():  # the schema allows none; never resolve one against the checkout
        cache = default_chart_cache_dir()
    if _inside(cache, root):
        _LOGGER.warning("charts.cache_dir %s is inside the checked repository %s; not used",
                        cache, root)
        cache = default_chart_cache_dir()
    return ChartSettings(config=config, root=root,
                         cache_dir=None if _inside(cache, root) else cache)


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (links followed, as far as it exists) is ``root`` or below it."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def parse_charts(data: Mapping[str, Any], line_of: Any) -> ChartsConfig:
    """The schema-valid ``charts:`` mapping as a :class:`ChartsConfig`; ``line_of(field_path)``
    gives the line of an entry."""
    return ChartsConfig(
        repositories=tuple(
            ChartRepository(url=entry["url"], name=entry.get("name", ""),
                            line=line_of(("charts", "repositories", i)))
            for i, entry in enumerate(data.get("repositories", ()))),
        cache_dir=data.get("cache_dir", ""),
        max_bytes=int(data.get("max_bytes", DEFAULT_MAX_BYTES)),
        timeout=float(data.get("timeout", DEFAULT_TIMEOUT)),
        local=tuple(
            LocalChart(repository=entry["repository"], chart=entry["chart"],
                       version=str(entry.get("version", "")), path=_clean(entry["path"]),
                       line=line_of(("charts", "local", i)))
            for i, entry in enumerate(data.get("local", ()))))


def _clean(path: str) -> str:
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return "/".join(parts) or "."
