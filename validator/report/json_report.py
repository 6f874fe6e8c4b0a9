"""The JSON report: a stable, versioned document for scripts (see docs/output-json.md).

Keys are sorted and the document is indented by two spaces, so the same report
always gives the same bytes. Fields are only ever added within a ``version``;
renaming or removing one bumps ``version``.
"""

from __future__ import annotations

import json
from typing import Any

from validator.model import Finding, FindingStatus, Report, ResourceRef, Rule, Severity
from validator.report.common import sorted_findings, sorted_skipped, with_status
from validator.report.options import RenderOptions

#: The version of the document layout (not of the tool).
JSON_FORMAT_VERSION = 1


def resource_json(resource: ResourceRef | None) -> dict[str, str] | None:
    """A resource identity as a JSON object, or None for a finding about no resource."""
    if resource is None:
        return None
    return {
        "api_version": resource.api_version,
        "kind": resource.kind,
        "namespace": resource.namespace,
        "name": resource.name,
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "field_path": loc.field,
        "resource": resource_json(finding.resource),
        "engine": finding.engine.value,
        "title": finding.title,
        "help_uri": finding.help_uri,
        "target": finding.target,
        "targets": list(finding.all_targets),
        "fingerprint": finding.fingerprint,
    } | ({} if finding.status is None else {"status": finding.status.value}) | (
        {} if finding.fix is None else {"fix": {"value": finding.fix.value,
                                                "description": finding.fix.description,
                                                "fields": list(finding.fix.fields)}})


def _rule_json(rule: Rule) -> dict[str, str]:
    return {
        "id": rule.id,
        "title": rule.title,
        "description": rule.description,
        "help_uri": rule.help_uri,
    }


def _status_counts(report: Report) -> dict[str, int]:
    """``{"new": 5, "existing": 2, "fixed": 1}`` for a compared report; empty for any other."""
    if not report.compared:
        return {}
    return {status.value: len(with_status(report, status)) for status in FindingStatus}


def report_json(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The report as plain JSON-compatible data (what :func:`render_json` serialises).

    A compared report's findings are the head's (``new``, ``existing``) followed by the
    base's ``fixed`` ones, each with its ``status``."""
    rules = {rule.id: rule for rule in report.rules}
    return {
        "version": JSON_FORMAT_VERSION,
        "tool": {
            "name": options.tool_name,
            "version": options.tool_version,
            "tool_versions": dict(sorted(report.tool_versions)),
        },
        "summary": {
            "resources": report.resources,
            "files": report.files,
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "not_checked": [{"what": unit, "reason": group, "count": count}
                            for unit, group, count in report.not_checked()],
        } | _status_counts(report),
        "findings": [_finding_json(f) for f in (*sorted_findings(report), *report.fixed)],
        "skipped": [{"path": s.path, "reason": s.reason, "what": s.unit, "group": s.summary_group,
                     "count": s.count} for s in sorted_skipped(report)],
        "rules": [_rule_json(rules[rule_id]) for rule_id in sorted(rules)],
    }


def render_json(report: Report, options: RenderOptions) -> str:
    """Render the report as the JSON document described in docs/output-json.md."""
    document = report_json(report, options)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
