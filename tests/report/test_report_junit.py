"""The JUnit reporter: well-formed XML, right counts, special characters round-trip."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from validator.model import Severity
from validator.report import RenderOptions, render_junit

from .sample import SPECIAL_MESSAGE, error_at, report_with, sample_report

PLAIN = RenderOptions()


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314 - our own output


def test_counts_match_findings() -> None:
    root = _parse(render_junit(sample_report(), PLAIN))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "apps/web/deployment.yaml",
        "apps/web/kustomization.yaml",
        "charts/my chart,v2/values.yaml",
        "skipped",
    ]
    cases = root.findall("testsuite/testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    # one testcase per resource-or-file; every one with an error fails, warnings never fail
    assert len(failing) == 4
    assert root.get("failures") == "4"
    assert root.get("tests") == str(len(cases)) == "7"
    assert root.get("skipped") == "2"
    for suite in suites:
        suite_cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(suite_cases))
        assert suite.get("failures") == str(
            sum(1 for c in suite_cases if c.find("failure") is not None)
        )


def test_warnings_go_to_system_out_without_failure() -> None:
    root = _parse(render_junit(sample_report(), PLAIN))
    chart = root.find("testsuite[@name='charts/my chart,v2/values.yaml']/testcase")
    assert chart is not None
    assert chart.find("failure") is None
    out = chart.findtext("system-out")
    assert out is not None
    assert "warning load/duplicate-key" in out


def test_special_characters_round_trip() -> None:
    root = _parse(render_junit(sample_report(), PLAIN))
    failure = root.find("testsuite[@name='apps/web/kustomization.yaml']/testcase/failure")
    assert failure is not None
    assert failure.get("message") == SPECIAL_MESSAGE
    assert failure.get("type") == "render/kustomize"
    assert failure.text is not None
    assert SPECIAL_MESSAGE in failure.text


def test_control_characters_are_escaped() -> None:
    text = render_junit(sample_report(), PLAIN)
    assert "\x1b" not in text
    assert "\\x1b[31mfirst" in text


def test_several_errors_in_one_resource_make_one_failure() -> None:
    findings = [error_at("a.yaml", line=n) for n in (1, 2, 3)]
    findings.append(error_at("a.yaml", line=4, severity=Severity.WARNING))
    root = _parse(render_junit(report_with(findings, resources=1, files=1), PLAIN))
    (case,) = root.findall("testsuite/testcase")
    (failure,) = case.findall("failure")
    assert failure.get("message") == "3 errors"
    assert failure.text is not None
    assert len(failure.text.splitlines()) == 3
    assert case.findtext("system-out", "").count("warning") == 1


def test_clean_report_is_one_passing_testcase() -> None:
    root = _parse(render_junit(report_with([], resources=12, files=3), PLAIN))
    (case,) = root.findall("testsuite/testcase")
    assert case.get("name") == "12 resources in 3 files: no problems"
    assert list(case) == []
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
