"""Small pieces the reporters share: ordering, grouping by file, summary wording, safe text.

Reporters print text that came from untrusted manifests (messages quote field values),
so :func:`printable` turns control characters into visible escapes before anything
reaches a terminal, an XML document or a workflow command.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence

from validator.model import Finding, FindingStatus, Report, Severity, Skipped, natural_path_key

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """Replace control characters (ANSI escapes, NUL, CR...) by ``\\xNN`` escapes.

    Tabs are kept; newlines are kept unless ``keep_newlines`` is false.
    """
    escaped = _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return escaped if keep_newlines else escaped.replace("\n", "\\n")


def sorted_findings(report: Report) -> list[Finding]:
    """The report's findings in their deterministic order (whatever order they came in)."""
    return sorted(report.findings, key=Finding.sort_key)


def sorted_skipped(report: Report) -> list[Skipped]:
    """The report's skipped entries ordered by path (naturally: app2 before app10), then reason."""
    return sorted(report.skipped, key=lambda s: (natural_path_key(s.path), s.reason))


def findings_by_file(report: Report) -> Iterator[tuple[str, list[Finding]]]:
    """``(path, findings)`` per file that has findings, in path order."""
    return group_by_file(report.findings)


def group_by_file(findings: Iterable[Finding]) -> Iterator[tuple[str, list[Finding]]]:
    """``(path, findings)`` per file of ``findings``, in path order, each group sorted."""
    ordered = sorted(findings, key=Finding.sort_key)
    for path, group in itertools.groupby(ordered, key=lambda f: f.location.path):
        yield path, list(group)


def with_status(report: Report, status: FindingStatus) -> list[Finding]:
    """The findings of ``report`` (fixed ones included) that have ``status``, sorted."""
    return [f for f in sorted_findings(report) + list(report.fixed) if f.status is status]


def status_counts(report: Report) -> str:
    """``5 new, 2 existing, 1 fixed`` for a compared report; empty for any other."""
    if not report.compared:
        return ""
    new = sum(1 for f in report.findings if f.status is FindingStatus.NEW)
    existing = sum(1 for f in report.findings if f.status is FindingStatus.EXISTING)
    return f"{new} new, {existing} existing, {len(report.fixed)} fixed"


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """``1 error``, ``2 errors``, ``0 errors``."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def severity_counts(findings: Sequence[Finding]) -> str:
    """``4 errors, 2 warnings, 1 info`` (zero counts left out; ``no problems`` when empty)."""
    parts: list[str] = []
    for severity in sorted(Severity, reverse=True):
        count = sum(1 for f in findings if f.severity is severity)
        if count:
            parts.append(plural(count, severity.label))
    return ", ".join(parts) if parts else "no problems"


def summary_line(report: Report) -> str:
    """``120 resources in 31 files: 4 errors, 2 warnings`` / ``... : no problems``, then
    ``; 2 resources not schema-checked: no schema`` when anything was skipped, then
    ``; 5 new, 2 existing, 1 fixed`` for a compared report."""
    checked = f"{plural(report.resources, 'resource')} in {plural(report.files, 'file')}"
    unchecked = not_checked_text(report)
    compared = status_counts(report)
    return (f"{checked}: {severity_counts(report.findings)}" + (f"; {unchecked}" if unchecked else "")
            + (f"; {compared}" if compared else ""))


def not_checked_text(report: Report) -> str:
    """``396 resources not schema-checked: no schema, 2 HelmRelease charts not rendered``."""
    return ", ".join(f"{plural(count, unit)} {group}" for unit, group, count in report.not_checked())


def display_path(path: str, root: str = "") -> str:
    """``path`` seen from ``root`` (a directory prefix; empty for none)."""
    return posixpath.normpath(posixpath.join(root.replace("\\", "/"), path)) if root else path


def location_text(finding: Finding, root: str = "") -> str:
    """``path:line:col`` with the parts that are known (``path`` alone for line 0)."""
    loc = finding.location
    path = display_path(loc.path, root)
    if loc.line <= 0:
        return path
    if loc.column <= 0:
        return f"{path}:{loc.line}"
    return f"{path}:{loc.line}:{loc.column}"


def context_text(finding: Finding) -> str:
    """``Deployment prod/web spec.replicas``: the resource and field, as far as known."""
    parts = [str(finding.resource)] if finding.resource is not None else []
    if finding.location.field:
        parts.append(finding.location.field)
    if finding.all_targets:
        parts.append(f"(rendered by {', '.join(finding.all_targets)})")
    return " ".join(parts)
