"""The SARIF 2.1.0 report: one run, the rules that ran or fired, one result per finding.

Valid against the official OASIS schema (tests/data/sarif-schema-2.1.0.json) and
shaped for GitHub code scanning: repo-relative artifact URIs under ``%SRCROOT%``,
``partialFingerprints`` from :attr:`Finding.fingerprint` so alerts survive line moves,
and for a compared report (``diff``) each result's ``baselineState``.
Skipped files become tool execution notifications, so nothing is skipped silently.
"""

from __future__ import annotations

import json
from typing import Any, assert_never
from urllib.parse import quote

from validator.fingerprint import FINGERPRINT_VERSION
from validator.model import Finding, FindingStatus, Report, Rule, Severity, Skipped
from validator.report.common import context_text, display_path, sorted_findings, sorted_skipped
from validator.report.json_report import resource_json
from validator.report.options import RenderOptions

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: partialFingerprints key; the suffix follows the fingerprint's version (docs/fingerprints.md).
FINGERPRINT_KEY = f"gitopsValidator/v{FINGERPRINT_VERSION}"


def sarif_level(severity: Severity) -> str:
    """SARIF ``level`` for a severity: error, warning or note."""
    match severity:
        case Severity.ERROR:
            return "error"
        case Severity.WARNING:
            return "warning"
        case Severity.INFO:
            return "note"
        case _:
            assert_never(severity)


def baseline_state(status: FindingStatus) -> str:
    """SARIF ``baselineState`` of a compared finding: new, unchanged or absent."""
    match status:
        case FindingStatus.NEW:
            return "new"
        case FindingStatus.EXISTING:
            return "unchanged"
        case FindingStatus.FIXED:
            return "absent"
        case _:
            assert_never(status)


def _collect_rules(report: Report, findings: list[Finding]) -> list[Rule]:
    """report.rules plus a rule for every id that only appears in findings, sorted by id."""
    rules = {rule.id: rule for rule in report.rules}
    for finding in findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = Rule(
                id=finding.rule_id, title=finding.title, help_uri=finding.help_uri
            )
    return [rules[rule_id] for rule_id in sorted(rules)]


def _rule_json(rule: Rule, findings: list[Finding]) -> dict[str, Any]:
    worst = max((f.severity for f in findings if f.rule_id == rule.id), default=Severity.WARNING)
    short = rule.title or rule.id
    entry: dict[str, Any] = {
        "id": rule.id,
        "name": short,
        "shortDescription": {"text": short},
        "fullDescription": {"text": rule.description or short},
        "defaultConfiguration": {"level": sarif_level(worst)},
    }
    if rule.help_uri:
        entry["helpUri"] = rule.help_uri
    return entry


def _artifact_location(path: str, root: str) -> dict[str, Any]:
    return {"uri": quote(display_path(path, root), safe="/"), "uriBaseId": SRCROOT}


def _result_json(finding: Finding, rule_index: int, root: str) -> dict[str, Any]:
    loc = finding.location
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(loc.path, root)}
    if loc.line > 0:
        region = {"startLine": loc.line}
        if loc.column > 0:
            region["startColumn"] = loc.column
        physical["region"] = region
    properties: dict[str, Any] = {"engine": finding.engine.value}
    if finding.resource is not None:
        properties["resource"] = resource_json(finding.resource)
    if loc.field:
        properties["fieldPath"] = loc.field
    if finding.target:
        properties["target"] = finding.target
    if len(finding.all_targets) > 1:
        properties["targets"] = list(finding.all_targets)
    context = context_text(finding)
    text = f"{finding.message} ({context})" if context else finding.message
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": sarif_level(finding.severity),
        "message": {"text": text},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.status is not None:
        result["baselineState"] = baseline_state(finding.status)
    return result


def _notification_json(item: Skipped, root: str) -> dict[str, Any]:
    return {
        "level": "note",
        "message": {"text": f"skipped: {item.reason}"},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact_location(item.path, root)}}],
    }


def sarif_log(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The report as a SARIF log object (what :func:`render_sarif` serialises); a compared
    report's fixed findings are results too, with ``baselineState`` ``absent``."""
    findings = sorted_findings(report) + list(report.fixed)
    rules = _collect_rules(report, findings)
    index = {rule.id: i for i, rule in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": options.tool_name,
        "version": options.tool_version,
        "rules": [_rule_json(rule, findings) for rule in rules],
    }
    if options.information_uri:
        driver["informationUri"] = options.information_uri
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [_notification_json(s, options.display_root)
                                           for s in sorted_skipped(report)],
        }],
        "results": [_result_json(f, index[f.rule_id], options.display_root) for f in findings],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "resources": report.resources,
            "files": report.files,
            "toolVersions": dict(sorted(report.tool_versions)),
        },
    }
    if options.root_uri:
        base = options.root_uri if options.root_uri.endswith("/") else f"{options.root_uri}/"
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base}}
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report, options: RenderOptions) -> str:
    """Render the report as a SARIF 2.1.0 log."""
    return json.dumps(sarif_log(report, options), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
