"""The JSON report carries a finding's declared fix; SARIF and fingerprints are untouched by it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from tests.report.sample import GOLDEN_OPTIONS, report_with
from validator.model import Engine, Finding, Fix, FixValue, Location, Severity
from validator.report import render_json, render_sarif

PRIVILEGED = Finding(
    rule_id="K8S-001", severity=Severity.ERROR, message="runs privileged", engine=Engine.POLICY,
    location=Location(path="apps/web.yaml", line=10, column=9,
                      field_path=("spec", "containers", 0, "securityContext", "privileged")))
FIXED = replace(PRIVILEGED, fix=Fix(value=False, description="Set privileged to false.",
                                    fields=("privileged",)))


def _json_findings(*findings: Finding) -> list[dict[str, Any]]:
    document = json.loads(render_json(report_with(list(findings), resources=1, files=1), GOLDEN_OPTIONS))
    entries: list[dict[str, Any]] = document["findings"]
    return entries


def test_json_has_the_fix_only_when_the_rule_declares_one() -> None:
    (with_fix,) = _json_findings(FIXED)
    assert with_fix["fix"] == {"value": False, "description": "Set privileged to false.",
                               "fields": ["privileged"]}
    (without,) = _json_findings(PRIVILEGED)
    assert "fix" not in without
    assert with_fix["fingerprint"] == without["fingerprint"]


def test_json_keeps_the_type_of_the_value() -> None:
    values: list[FixValue] = [1000, 0.5, "Always", None, True]
    entries = _json_findings(*(replace(FIXED, message=f"m{i}", fix=Fix(value=v))
                               for i, v in enumerate(values)))
    assert [e["fix"]["value"] for e in entries] == values


def test_sarif_is_the_same_with_or_without_a_fix() -> None:
    # SARIF's fixes need the replacement text, which needs the source line: the reporter is a
    # pure function of the report and has no file contents, so it writes no fixes at all.
    assert render_sarif(report_with([FIXED], resources=1, files=1), GOLDEN_OPTIONS) == render_sarif(
        report_with([PRIVILEGED], resources=1, files=1), GOLDEN_OPTIONS)
