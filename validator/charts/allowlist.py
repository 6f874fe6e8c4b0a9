"""Which repositories may be fetched from, which versions count as pinned, and whose
credentials go with a fetch.

A URL is compared after :func:`normalise_url` only: no prefix match, so allowlisting
``https://charts.example.com/stable`` does not allow ``.../stable-evil``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from validator.charts.config import ChartRepository, ChartSettings

#: An exact SemVer 2 version (Helm accepts a leading ``v``); anything else is a range or a tag.
_PINNED = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
_CHART_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
_DEFAULT_PORTS = {"http": 80, "https": 443, "oci": 443}


def normalise_url(url: str) -> str:
    """``scheme://host[:port]/path``: scheme and host lowercased, default port, trailing ``/``
    and surrounding spaces dropped; a user part, a query or a fragment is refused (empty
    result): dropped, they would compare equal, yet ``https://x/stable?`` + ``index.yaml``
    resolves to ``https://x/index.yaml``."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname or parts.username or parts.password or \
            "?" in url or "#" in url:
        return ""
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname.lower() + (f":{port}" if port and port != _DEFAULT_PORTS.get(scheme)
                                     else "")
    return f"{scheme}://{host}{parts.path.rstrip('/')}"


def allowed_repository(url: str, settings: ChartSettings) -> ChartRepository | None:
    """The allowlist entry ``url`` matches, or None."""
    wanted = normalise_url(url)
    if not wanted:
        return None
    for repository in settings.config.repositories:
        if normalise_url(repository.url) == wanted:
            return repository
    return None


def is_pinned(version: str) -> bool:
    """Whether ``version`` names exactly one chart version."""
    return bool(_PINNED.match(version.strip()))


def is_chart_name(name: str) -> bool:
    """Whether ``name`` can only be a chart name: it becomes a file name in a cache and a
    ``charts/`` folder, and a path segment of a registry reference."""
    return bool(_CHART_NAME.match(name)) and ".." not in name


def credentials(repository: ChartRepository,
                environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(username, password)`` for ``repository`` from ``GITOPS_VALIDATOR_CHART_<NAME>_USERNAME``
    and ``..._PASSWORD``, when its entry has a name and both are set."""
    if not repository.name:
        return None
    env = os.environ if environ is None else environ
    key = re.sub(r"[^A-Z0-9]", "_", repository.name.upper())
    user = env.get(f"GITOPS_VALIDATOR_CHART_{key}_USERNAME", "")
    password = env.get(f"GITOPS_VALIDATOR_CHART_{key}_PASSWORD", "")
    return (user, password) if user and password else None
