"""The GitLab Code Quality report: what the merge request widget and the diff view show.

GitLab reads a JSON array of issues, a subset of the CodeClimate issue format
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format). Each issue
has ``description``, ``check_name``, ``fingerprint``, ``severity`` (``info``, ``minor``,
``major``, ``critical`` or ``blocker``) and ``location.path`` with ``location.lines.begin``;
the path is relative to the repository root. GitLab compares the merge request's report
with the target branch's by fingerprint, so a fingerprint must be unique in a report (GitLab
keeps only the first issue of a repeated one) and stable across revisions: the finding's
own fingerprint (:attr:`~validator.model.Finding.fingerprint`, which survives line moves),
with an occurrence number mixed in only when one report holds it twice.

Severities: ``error`` is ``major``, ``warning`` ``minor``, ``info`` ``info``. ``critical``
and ``blocker`` are not used: whether a finding blocks the merge is ``--fail-on``'s
decision, carried by the exit code and the commit status, not by the widget's wording.
Findings only (a compared report's fixed findings are not in the head; GitLab derives
"resolved" from the target branch's report itself).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from typing import Any, assert_never

from validator.model import Finding, Report, Severity
from validator.report.common import context_text, printable, sorted_findings
from validator.report.options import RenderOptions

__all__ = ["SEVERITIES", "codequality_issues", "codequality_severity", "render_codequality"]

#: GitLab's severities, least to most severe.
SEVERITIES = ("info", "minor", "major", "critical", "blocker")


def codequality_severity(severity: Severity) -> str:
    """GitLab's name for one of our severities."""
    match severity:
        case Severity.ERROR:
            return "major"
        case Severity.WARNING:
            return "minor"
        case Severity.INFO:
            return "info"
        case _:
            assert_never(severity)


def _description(finding: Finding) -> str:
    context = context_text(finding)
    where = f" [{context}]" if context else ""
    return printable(f"{finding.message}{where}", keep_newlines=False)


def _path(finding: Finding, options: RenderOptions) -> str:
    path = finding.location.path
    return posixpath.join(options.display_root, path) if options.display_root else path


def codequality_issues(report: Report, options: RenderOptions) -> list[dict[str, Any]]:
    """The report's findings as Code Quality issues, in the findings' order."""
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for finding in sorted_findings(report):
        fingerprint = finding.fingerprint
        occurrence = seen.get(fingerprint, 0)
        seen[fingerprint] = occurrence + 1
        if occurrence:  # the same finding twice (another line): unique, and still stable
            fingerprint = hashlib.sha256(f"{fingerprint}\x1f{occurrence}".encode()).hexdigest()
        issues.append({
            "type": "issue",
            "description": _description(finding),
            "check_name": finding.rule_id,
            "fingerprint": fingerprint,
            "severity": codequality_severity(finding.severity),
            "location": {"path": _path(finding, options),
                         "lines": {"begin": max(finding.location.line, 1)}},
        })
    return issues


def render_codequality(report: Report, options: RenderOptions) -> str:
    """Render the report as a GitLab Code Quality JSON document (an array; ``[]`` when clean)."""
    return json.dumps(codequality_issues(report, options), indent=2, ensure_ascii=False) + "\n"
