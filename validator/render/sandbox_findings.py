"""Renders the sandbox stopped, as findings: a memory limit hit, a network fetch refused.

helm and kustomize run without network and with bounded memory (:mod:`validator.sandbox`);
when a render runs into either, the tool's error is turned into a finding that says
what happened and what to do, on the file the caller names (the chart, the
kustomization, or the values schema that asked for a URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from validator.errors import CommandError, CommandMemoryError
from validator.model import Engine, Finding, Location, Severity
from validator.sandbox import format_size

#: A URL a Go tool tried to fetch (``Get "https://..."``, ``failing loading "http://..."``).
_FETCH = re.compile(r'(?:Get|Head|Post|loading|fetch(?:ing)?) "?(?P<url>[a-z][a-z0-9+.-]*://[^"\s]+)"?',
                    re.IGNORECASE)
#: What a fetch without network fails with inside the namespace (or with the dead proxy).
_NO_NETWORK = re.compile(r"network is unreachable|no such host|dial (?:tcp|udp)|proxyconnect|"
                         r"connection refused", re.IGNORECASE)


def memory_finding(exc: CommandError, *, what: str, path: str) -> Finding | None:
    """``what`` (``helm template (api)``) used more memory than allowed: a finding on ``path``."""
    if not isinstance(exc, CommandMemoryError):
        return None
    return _finding(path, "render/memory-limit",
                    f"{what} used more than {format_size(exc.limit)} of memory and was stopped "
                    "(limit: --render-memory-limit); a template or kustomization that needs "
                    "this much is usually a mistake")


def fetched_url(exc: CommandError) -> str | None:
    """The URL a failed render tried to fetch over the network, if that is why it failed."""
    text = f"{exc}\n{exc.stderr}"
    if not _NO_NETWORK.search(text):
        return None
    match = _FETCH.search(text)
    return match.group("url") if match else None


def network_finding(exc: CommandError, *, what: str, path: str, root: Path,
                    inputs: Iterable[str] = ()) -> Finding | None:
    """``what`` tried to fetch a URL: a finding on the first of ``inputs`` (repository
    files) that names the URL, at its line; on ``path`` when none does."""
    url = fetched_url(exc)
    if url is None:
        return None
    where, line = _naming(url, root, inputs) or (path, 0)
    return _finding(where, "render/network-refused",
                    f"{what} tried to fetch {url}: renders of untrusted content have no "
                    "network; vendor what it needs into the repository", line=line)


def _naming(url: str, root: Path, inputs: Iterable[str]) -> tuple[str, int] | None:
    """The first input file that contains ``url``, and the line where it does."""
    for name in sorted(inputs):
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        at = text.find(url)
        if at >= 0:
            return name, text.count("\n", 0, at) + 1
    return None


def _finding(path: str, rule: str, message: str, *, line: int = 0) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.RENDER,
                   location=Location(path=path, line=line))
