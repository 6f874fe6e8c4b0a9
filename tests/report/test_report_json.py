"""The JSON reporter: a stable, sorted, documented document that round-trips the report."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from validator.model import Fix, Severity
from validator.report import RenderOptions, render_json

from .sample import GOLDEN_OPTIONS, SPECIAL_MESSAGE, report_with, sample_report

DOC = Path(__file__).resolve().parents[2] / "docs" / "output-json.md"


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_json(sample_report(), GOLDEN_OPTIONS))
    return loaded


def test_round_trips_every_finding() -> None:
    report = sample_report()
    findings = _document()["findings"]
    assert len(findings) == len(report.findings)
    for entry, finding in zip(findings, report.findings, strict=True):
        assert entry["rule_id"] == finding.rule_id
        assert Severity.parse(entry["severity"]) is finding.severity
        assert entry["message"] == finding.message
        assert (entry["path"], entry["line"], entry["column"]) == (
            finding.location.path, finding.location.line, finding.location.column,
        )
        assert entry["field_path"] == finding.location.field
        assert entry["engine"] == finding.engine.value
        assert entry["fingerprint"] == finding.fingerprint
        if finding.resource is None:
            assert entry["resource"] is None
        else:
            assert entry["resource"]["kind"] == finding.resource.kind
            assert entry["resource"]["name"] == finding.resource.name


def test_special_characters_survive() -> None:
    messages = [f["message"] for f in _document()["findings"]]
    assert SPECIAL_MESSAGE in messages


def test_summary_and_tool() -> None:
    document = _document()
    assert document["version"] == 1
    assert document["summary"] == {
        "resources": 7, "files": 4, "errors": 4, "warnings": 2, "infos": 1,
        "not_checked": [{"what": "item", "reason": "not checked: --skip-kinds Secret", "count": 1},
                        {"what": "item", "reason": "not checked: not a YAML or JSON file",
                         "count": 1}],
    }
    assert document["tool"] == {
        "name": "gitops-validator",
        "version": "0.0.0-test",
        "tool_versions": {"kustomize": "5.8.2", "opa": "1.22.3"},
    }
    assert [s["path"] for s in document["skipped"]] == ["README.md", "secrets/db.yaml"]
    assert [r["id"] for r in document["rules"]] == ["K8S-001", "schema/type"]


def test_keys_sorted_and_two_space_indent() -> None:
    text = render_json(sample_report(), GOLDEN_OPTIONS)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text.startswith('{\n  "findings": [\n    {\n      "column": ')


def test_clean_report() -> None:
    document = json.loads(render_json(report_with([], resources=3, files=2), RenderOptions()))
    assert document["findings"] == []
    assert document["summary"]["errors"] == 0
    assert document["summary"]["resources"] == 3


def _keys(value: object, prefix: str = "") -> set[str]:
    """Dotted key paths of a document (list items as ``[]``)."""
    if isinstance(value, dict):
        out: set[str] = set()
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            if prefix != "tool.tool_versions":
                out.add(path)
                out |= _keys(item, path)
        return out
    if isinstance(value, list):
        return set().union(*(_keys(item, f"{prefix}[]") for item in value)) if value else set()
    return set()


def test_every_field_is_documented() -> None:
    from tests.report.test_report_compared import compared_report  # noqa: PLC0415

    documented = set(re.findall(r"^\| `([^`]+)` \|", DOC.read_text(encoding="utf-8"), re.M))
    keys = _keys(_document()) | _keys(json.loads(render_json(compared_report(), GOLDEN_OPTIONS)))
    with_fix = [replace(f, fix=Fix(value=False, description="d", fields=("x",)))
                for f in sample_report().findings]
    keys |= _keys(json.loads(render_json(report_with(with_fix, resources=1, files=1),
                                         GOLDEN_OPTIONS)))
    assert keys <= documented
    assert documented <= keys
