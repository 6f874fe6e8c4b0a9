"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding.

Escaping follows actions/toolkit ``packages/core/src/command.ts``: in the message
(``escapeData``) ``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in property
values (``escapeProperty``) ``:`` and ``,`` also become ``%3A`` and ``%2C``.
Control characters other than CR and LF (ANSI escapes from untrusted input) are shown
as ``\\xNN`` first, so they cannot reach the log.
Skipped files are ``::notice`` lines; the last line is the plain summary. In a compared
report (``diff``) each title names the finding's status (``new``/``existing``); fixed
findings are only counted in the summary (their lines are not in the head).
"""

from __future__ import annotations

from typing import assert_never

from validator.model import Finding, Report, Severity
from validator.report.common import (
    context_text,
    display_path,
    printable,
    sorted_findings,
    sorted_skipped,
    summary_line,
)
from validator.report.options import RenderOptions


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_name(severity: Severity) -> str:
    """The workflow command for a severity."""
    match severity:
        case Severity.ERROR:
            return "error"
        case Severity.WARNING:
            return "warning"
        case Severity.INFO:
            return "notice"
        case _:
            assert_never(severity)


def _safe(text: str) -> str:
    """Control characters made visible, except CR and LF, which the escaping encodes."""
    return "\r".join(printable(part) for part in text.split("\r"))


def workflow_command(name: str, properties: list[tuple[str, str]], message: str) -> str:
    """``::name key=value,key=value::message``, sanitised and escaped; empty values dropped."""
    props = ",".join(f"{key}={escape_property(_safe(value))}" for key, value in properties if value)
    return f"::{name}{' ' + props if props else ''}::{escape_data(_safe(message))}"


def _finding_command(finding: Finding, root: str) -> str:
    loc = finding.location
    properties = [("file", display_path(loc.path, root))]
    if loc.line > 0:
        properties.append(("line", str(loc.line)))
        if loc.column > 0:
            properties.append(("col", str(loc.column)))
    about = f"{finding.rule_id}, {finding.status.value}" if finding.status else finding.rule_id
    title = f"{finding.title} ({about})" if finding.title else about
    properties.append(("title", title))
    context = context_text(finding)
    message = f"{finding.message} ({context})" if context else finding.message
    if finding.help_uri:
        message = f"{message}\n{finding.help_uri}"
    return workflow_command(command_name(finding.severity), properties, message)


def render_github(report: Report, options: RenderOptions) -> str:
    """Render the report as GitHub Actions workflow commands."""
    lines = [_finding_command(f, options.display_root) for f in sorted_findings(report)]
    lines.extend(
        workflow_command("notice", [("file", display_path(s.path, options.display_root)),
                                    ("title", "skipped")], s.reason)
        for s in sorted_skipped(report)
    )
    lines.append(f"{options.tool_name}: {summary_line(report)}")
    return "\n".join(lines) + "\n"
