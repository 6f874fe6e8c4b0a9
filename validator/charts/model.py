"""What a reader asks to fetch and what it gets back: a chart folder or a finding.

A fetch never raises for a problem of the chart or its repository: every refusal (not
allowlisted, not pinned, too large, digest mismatch, unsafe archive) and every failure
(HTTP error, timeout) is a :class:`~validator.model.Finding` on the line that named the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from validator.model import Engine, Finding, Location, Severity


@dataclass(frozen=True, kw_only=True)
class ChartRequest:
    """One chart of one repository at one version, and where it was asked for."""

    repo_url: str
    """``https://...`` (a Helm repository: ``index.yaml`` there) or ``oci://host/path``
    (the chart is ``oci://host/path/<chart>``)."""
    chart: str
    version: str
    """Must be an exact SemVer version: ranges and ``latest`` are refused."""
    path: str = ""
    """Repository-relative file that named the chart (Chart.yaml, an Application, a
    HelmRelease): findings land there."""
    line: int = 0
    digest: str = ""
    """``sha256:<hex>`` the archive must have, when the asker knows it (part of the cache key)."""

    def __str__(self) -> str:
        return f"chart {self.chart!r} version {self.version!r} from {self.repo_url}"


@dataclass(frozen=True, kw_only=True)
class FetchedChart:
    """A chart ready to render."""

    path: Path
    """Absolute folder holding the chart's Chart.yaml."""
    digest: str = ""
    """``sha256:<hex>`` of the archive it was extracted from (empty for a local folder)."""
    cached: bool = False
    """Taken from the cache without any network request."""
    local: bool = False
    """A ``charts.local`` folder of the repository (inside the checked root)."""


#: Rule ids of the fetch step.
NOT_ALLOWED = "agent/chart-repository-not-allowed"
NOT_PINNED = "agent/chart-version-not-pinned"
FETCH_FAILED = "agent/chart-fetch-failed"
DIGEST_MISMATCH = "agent/chart-digest-mismatch"
TOO_LARGE = "agent/chart-too-large"
ARCHIVE_REFUSED = "agent/chart-archive-refused"


def chart_finding(request: ChartRequest, rule: str, message: str,
                  severity: Severity = Severity.ERROR) -> Finding:
    """A finding of the fetch step on the line that named the chart."""
    return Finding(rule_id=rule, severity=severity, message=message, engine=Engine.RENDER,
                   location=Location(path=request.path or ".", line=request.line))


class ChartError(Exception):
    """Raised inside the fetch step, turned into a finding at its boundary."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
