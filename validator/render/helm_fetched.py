"""Charts rendered from the chart cache rather than from the repository.

A ``HelmRelease`` from a ``HelmRepository`` or an Argo CD ``chart:`` source names a chart
that the fetch step (``validator/charts/``) put into the content-addressed chart cache,
outside the checked repository (``HelmOptions.chart_root``). Its content is trusted to be
what the repository served, but the chart itself is as untrusted as any: it is rendered
in the same sandbox, its symlinks may not leave its folder, its files are screened against
the load limits. The repository has no such file for a reviewer to open, so every
finding on the chart's own files (a template, its ``values.yaml``, its schema) is
reported on the agent object's line, naming the chart file in the message; what the
repository's files set (values files, inline values) stays on their lines.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from validator.model import Finding, Location
from validator.render.targets import Target
from validator.render.walk import walk


@dataclass(frozen=True, kw_only=True)
class FetchedChart:
    """A chart rendered from outside the repository (the chart cache)."""

    folder: Path
    """The chart's folder."""
    path: str
    """Repository file its objects and findings are reported on (the agent object's)."""
    line: int
    """Line in ``path`` (the agent object's first line)."""


def fetched_chart(target: Target) -> FetchedChart | None:
    """The chart-cache folder a target renders from instead of the repository, if any."""
    if target.helm is None or not target.helm.chart_root or target.helm.chart_copy:
        return None  # a chart of the repository (an umbrella chart's copy maps back to it)
    agent = target.agent
    return FetchedChart(folder=Path(target.helm.chart_root),
                        path=agent.path if agent else target.path, line=agent.line if agent else 0)


def chart_files(fetched: FetchedChart) -> list[str]:
    """Every file of a fetched chart, relative to its folder."""
    files: list[str] = []
    for current, _dirs, names in walk(fetched.folder):
        files += [(Path(current) / n).relative_to(fetched.folder).as_posix() for n in names]
    return sorted(files)


def fetched_key(fetched: FetchedChart | None) -> str:
    """A content hash of a fetched chart's files (its folder is outside the repository)."""
    if fetched is None:
        return ""
    digest = hashlib.sha256()
    for relative in chart_files(fetched):
        path = fetched.folder / relative
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        with suppress(OSError):
            if path.is_file() and not path.is_symlink():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"fetched:{fetched.folder}:{digest.hexdigest()}"


def onto_object(finding: Finding, fetched: FetchedChart | None, root: Path, *,
                 in_chart: bool = False) -> Finding:
    """A finding on a fetched chart's file moved to the agent object's line (the repository
    has no such file); a repository file given by absolute path made repository-relative.
    ``in_chart``: every relative path names a file of the fetched chart."""
    if fetched is None:
        return finding
    path = finding.location.path
    if Path(path).is_absolute() and Path(path).is_relative_to(root):
        return replace(finding, location=replace(
            finding.location, path=Path(path).relative_to(root).as_posix()))
    if not in_chart and path and not path.startswith("./") and not Path(path).is_absolute():
        return finding  # a repository file (the agent object, a values file)
    where = path.removeprefix("./") if path and not Path(path).is_absolute() else ""
    message = finding.message.replace(str(fetched.folder) + "/", "")
    detail = f", {where}" if where and where != "." else ""
    return replace(finding, location=Location(path=fetched.path, line=fetched.line),
                   message=f"{message} (fetched chart {fetched.folder.name}{detail})")
