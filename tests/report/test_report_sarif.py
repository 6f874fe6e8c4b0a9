"""The SARIF reporter: valid against the official SARIF 2.1.0 schema, consistent indexes."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from validator.model import Report, Rule, Skipped
from validator.report import RenderOptions, render_sarif

from .sample import GOLDEN_OPTIONS, error_at, report_with, sample_report

# RFC 3986 characters of a relative-path reference (the schema's "uri-reference" format,
# which jsonschema only checks when an optional URI package is installed).
_URI_REFERENCE = re.compile(r"[A-Za-z0-9\-._~/!$&'()*+,;=:@]*(%[0-9A-F]{2}[A-Za-z0-9\-._~/!$&'()*+,;=:@]*)*")
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@functools.cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _log(report: Report, options: RenderOptions = GOLDEN_OPTIONS) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_sarif(report, options))
    return loaded


REPORTS = {
    "sample": sample_report(),
    "clean": report_with([], resources=5, files=2),
    "one-error": report_with([error_at("a b/c.yaml")], resources=1, files=1),
    "only-skipped": Report(findings=(), resources=0, files=1,
                           skipped=(Skipped(path="x.md", reason="not YAML"),)),
}


@pytest.mark.parametrize("options", [GOLDEN_OPTIONS, RenderOptions()], ids=["full", "defaults"])
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_schema_valid(name: str, options: RenderOptions) -> None:
    errors = sorted(_validator().iter_errors(_log(REPORTS[name], options)), key=str)
    assert errors == []


def test_schema_rejects_a_broken_log() -> None:
    log = _log(sample_report())
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not _validator().is_valid(log)


def test_results_point_at_their_rules() -> None:
    run = _log(sample_report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(ids)
    assert {r["ruleId"] for r in run["results"]} <= set(ids)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_rules_from_report_and_findings() -> None:
    rules = {r["id"]: r for r in _log(sample_report())["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["K8S-001"]["helpUri"] == "https://example.com/policies/K8S-001"
    assert rules["K8S-001"]["shortDescription"]["text"] == "Image tag: pinned, not latest"
    assert rules["K8S-001"]["fullDescription"]["text"].startswith("Container images must")
    assert rules["K8S-001"]["defaultConfiguration"]["level"] == "warning"
    assert rules["K8S-010"]["defaultConfiguration"]["level"] == "note"
    assert rules["render/kustomize"]["defaultConfiguration"]["level"] == "error"
    assert "helpUri" not in rules["render/kustomize"]


def test_rule_without_findings_is_listed() -> None:
    report = Report(findings=(), resources=0, files=0, rules=(Rule(id="K8S-9", title="t"),))
    rules = _log(report)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["K8S-9"]


def test_locations_levels_fingerprints() -> None:
    report = sample_report()
    results = _log(report)["runs"][0]["results"]
    assert [r["level"] for r in results] == [
        {"error": "error", "warning": "warning", "info": "note"}[f.severity.label]
        for f in report.findings
    ]
    by_rule = {r["ruleId"]: r for r in results}
    kustomize = by_rule["render/kustomize"]["locations"][0]["physicalLocation"]
    assert "region" not in kustomize
    assert kustomize["artifactLocation"] == {
        "uri": "apps/web/kustomization.yaml", "uriBaseId": "%SRCROOT%",
    }
    schema = by_rule["schema/type"]
    assert schema["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 8, "startColumn": 13,
    }
    assert schema["properties"]["fieldPath"] == "spec.replicas"
    assert schema["properties"]["resource"]["kind"] == "Deployment"
    assert [r["partialFingerprints"]["gitopsValidator/v2"] for r in results] == [
        f.fingerprint for f in report.findings
    ]
    chart = by_rule["load/duplicate-key"]["locations"][0]["physicalLocation"]
    assert chart["artifactLocation"]["uri"] == "charts/my%20chart%2Cv2/values.yaml"
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert _URI_REFERENCE.fullmatch(uri), uri


def test_root_uri_and_information_uri() -> None:
    run = _log(sample_report())["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///work/repo/"}}
    assert run["tool"]["driver"]["informationUri"] == "https://example.com/gitops-validator"
    bare = _log(sample_report(), RenderOptions())["runs"][0]
    assert "originalUriBaseIds" not in bare
    assert "informationUri" not in bare["tool"]["driver"]


def test_skipped_become_notifications() -> None:
    invocation = _log(sample_report())["runs"][0]["invocations"][0]
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert texts == ["skipped: not a YAML or JSON file", "skipped: --skip-kinds Secret"]
