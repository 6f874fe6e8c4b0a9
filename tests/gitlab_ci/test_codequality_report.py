"""The Code Quality reporter: GitLab's documented fields, severities, unique stable fingerprints."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.gitlab_ci.codequality_check import SCHEMA, check_codequality
from tests.report.sample import error_at, report_with, sample_report
from validator.model import Severity
from validator.report import OutputFormat, RenderOptions, render_report
from validator.report.codequality import codequality_severity, render_codequality


def test_sample_report_is_valid_for_gitlab() -> None:
    issues = check_codequality(render_codequality(sample_report(), RenderOptions()))
    assert len(issues) == len(sample_report().findings)
    first = issues[0]
    assert first["location"]["path"] == "apps/web/deployment.yaml"
    assert {issue["check_name"] for issue in issues} >= {"K8S-001", "schema/type", "render/kustomize"}


def test_line_zero_is_reported_on_line_one() -> None:
    issues = check_codequality(render_codequality(sample_report(), RenderOptions()))
    kustomize = next(i for i in issues if i["check_name"] == "render/kustomize")
    assert kustomize["location"]["lines"]["begin"] == 1


def test_clean_report_is_an_empty_array() -> None:
    assert check_codequality(render_codequality(report_with([], resources=1, files=1),
                                                RenderOptions())) == []


def test_severities_map_to_gitlab_names() -> None:
    assert [codequality_severity(s) for s in Severity] == ["info", "minor", "major"]


def test_same_finding_on_two_lines_gets_two_fingerprints_stable_across_line_moves() -> None:
    twice = report_with([error_at("a.yaml", 3), error_at("a.yaml", 9)], resources=1, files=1)
    moved = report_with([error_at("a.yaml", 5), error_at("a.yaml", 12)], resources=1, files=1)
    first = check_codequality(render_codequality(twice, RenderOptions()))
    second = check_codequality(render_codequality(moved, RenderOptions()))
    assert len({i["fingerprint"] for i in first}) == 2
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in second]
    assert first[0]["fingerprint"] == twice.findings[0].fingerprint


def test_display_root_prefixes_paths() -> None:
    issues = check_codequality(render_codequality(
        report_with([error_at("apps/a.yaml")], resources=1, files=1),
        RenderOptions(display_root="deploy")))
    assert issues[0]["location"]["path"] == "deploy/apps/a.yaml"


def test_control_characters_do_not_reach_the_description() -> None:
    issues = check_codequality(render_codequality(sample_report(), RenderOptions()))
    assert all("\x1b" not in i["description"] and "\n" not in i["description"] for i in issues)


def test_registered_as_an_output_format() -> None:
    report = sample_report()
    assert render_report(report, OutputFormat("codequality"), RenderOptions()) == \
        render_codequality(report, RenderOptions())


@pytest.mark.parametrize("broken", [
    {"severity": "error"},
    {"location": {"path": "a.yaml", "lines": {"begin": 0}}},
    {"location": {"path": "/abs.yaml", "lines": {"begin": 1}}},
    {"fingerprint": ""},
])
def test_schema_rejects_what_gitlab_does_not_read(broken: dict[str, object]) -> None:
    issue = json.loads(render_codequality(report_with([error_at("a.yaml")], resources=1, files=1),
                                          RenderOptions()))[0]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**issue, **broken}], SCHEMA)


def test_missing_required_field_is_rejected() -> None:
    issue = json.loads(render_codequality(report_with([error_at("a.yaml")], resources=1, files=1),
                                          RenderOptions()))[0]
    for field in ("description", "check_name", "fingerprint", "severity", "location"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate([{k: v for k, v in issue.items() if k != field}], SCHEMA)
