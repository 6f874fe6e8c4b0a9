"""The human-readable text report: findings grouped by file, skipped items, a summary line.

Layout (ANSI colour only when ``RenderOptions.color``)::

    deploy/app.yaml (1 error, 1 warning)
      deploy/app.yaml:12:5: error schema/type expected integer, got string
          in Deployment prod/web at spec.replicas
          Replicas must be a number: https://example.com/rules/replicas

    skipped: charts/x/values.yaml: not a Kubernetes object

    1 resource in 1 file: 1 error, 1 warning

A compared report (``diff``) shows the findings in two sections, ``New findings`` then
``Existing findings`` (each grouped by file as above), then how many were fixed, and
ends its summary line with ``; 1 new, 0 existing, 1 fixed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_never

from validator.model import Finding, FindingStatus, Report, Severity
from validator.report.common import (
    display_path,
    group_by_file,
    location_text,
    plural,
    printable,
    severity_counts,
    sorted_skipped,
    summary_line,
    with_status,
)
from validator.report.options import RenderOptions

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RED = "\x1b[1;31m"
_YELLOW = "\x1b[33m"
_CYAN = "\x1b[36m"
_GREEN = "\x1b[32m"

_FINDING_INDENT = "  "
_DETAIL_INDENT = "      "


def _severity_colour(severity: Severity) -> str:
    match severity:
        case Severity.ERROR:
            return _RED
        case Severity.WARNING:
            return _YELLOW
        case Severity.INFO:
            return _CYAN
        case _:
            assert_never(severity)


class _Painter:
    """Wraps text in ANSI codes, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.enabled and text else text


def _detail_lines(finding: Finding) -> list[str]:
    where: list[str] = []
    if finding.resource is not None:
        where.append(f"in {finding.resource}")
    if finding.location.field:
        where.append(f"at {finding.location.field}")
    if finding.all_targets:
        where.append(f"(rendered by {', '.join(finding.all_targets)})")
    lines = [" ".join(where)] if where else []
    about = ": ".join(part for part in (finding.title, finding.help_uri) if part)
    if about:
        lines.append(about)
    return [printable(line, keep_newlines=False) for line in lines]


def _finding_lines(finding: Finding, paint: _Painter, root: str) -> list[str]:
    message_lines = printable(finding.message).splitlines() or [""]
    head = (
        f"{_FINDING_INDENT}{printable(location_text(finding, root), keep_newlines=False)}: "
        f"{paint(_severity_colour(finding.severity), finding.severity.label)} "
        f"{printable(finding.rule_id, keep_newlines=False)} {message_lines[0]}"
    )
    rest = [f"{_DETAIL_INDENT}{line}" for line in message_lines[1:]]
    details = [f"{_DETAIL_INDENT}{paint(_DIM, line)}" for line in _detail_lines(finding)]
    return [head.rstrip(), *rest, *details]


def _summary_colour(report: Report) -> str:
    worst = report.worst()
    return _GREEN if worst is None else _severity_colour(worst)


def _file_lines(findings: Iterable[Finding], paint: _Painter, root: str) -> list[str]:
    lines: list[str] = []
    for path, group in group_by_file(findings):
        shown = display_path(path, root)
        header = f"{printable(shown, keep_newlines=False)} ({severity_counts(group)})"
        lines.append(paint(_BOLD, header))
        for finding in group:
            lines.extend(_finding_lines(finding, paint, root))
        lines.append("")
    return lines


def _compared_lines(report: Report, paint: _Painter, root: str) -> list[str]:
    lines: list[str] = []
    for title, status in (("New findings", FindingStatus.NEW),
                          ("Existing findings", FindingStatus.EXISTING)):
        findings = with_status(report, status)
        lines.append(paint(_BOLD, f"{title} ({severity_counts(findings)})"))
        lines.append("")
        lines.extend(_file_lines(findings, paint, root))
    fixed = plural(len(report.fixed), "finding")
    lines.extend([paint(_GREEN if report.fixed else _DIM, f"{fixed} fixed"), ""])
    return lines


def render_text(report: Report, options: RenderOptions) -> str:
    """Render the report as text for a terminal or a CI log."""
    paint = _Painter(options.color)
    if report.compared:
        lines = _compared_lines(report, paint, options.display_root)
    else:
        lines = _file_lines(report.findings, paint, options.display_root)
    skipped = sorted_skipped(report)
    for item in skipped:
        entry = f"skipped: {display_path(item.path, options.display_root)}: {item.reason}"
        lines.append(paint(_DIM, printable(entry, keep_newlines=False)))
    if skipped:
        lines.append("")
    lines.append(paint(_summary_colour(report), summary_line(report)))
    return "\n".join(lines) + "\n"
