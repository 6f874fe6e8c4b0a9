"""Report and change paths of a sub-folder root, put back in the checkout's coordinates.

The service reports paths relative to the validated root (the folder of
``.gitops-validator.yaml``); GitHub places annotations and review comments by paths relative
to the repository. When the root is a sub-folder (``deploy/``), its path goes in front of
every path of the report and of the change before they are published, so a finding in
``apps/web.yaml`` is annotated on ``deploy/apps/web.yaml``. (Fingerprints include the path, so
they are the checkout's too, the same on every run.)
"""

from __future__ import annotations

from dataclasses import replace

from validator.change.model import Change
from validator.model import Finding, Report

__all__ = ["at_top"]


def at_top(report: Report, change: Change | None, prefix: str) -> tuple[Report, Change | None]:
    """``report`` and ``change`` with ``prefix`` (the root, checkout-relative; ``""``: the
    top) in front of every path."""
    if not prefix:
        return report, change

    def under(path: str) -> str:
        return prefix if path in ("", ".") else f"{prefix}/{path}"

    def moved(finding: Finding) -> Finding:
        return replace(finding, location=replace(finding.location, path=under(finding.location.path)))

    report = replace(report, findings=tuple(map(moved, report.findings)),
                     fixed=tuple(map(moved, report.fixed)),
                     skipped=tuple(replace(s, path=under(s.path)) for s in report.skipped))
    if change is not None:
        change = replace(change, files=tuple(
            replace(f, path=under(f.path), old_path=under(f.old_path) if f.old_path else "")
            for f in change.files))
    return report, change
