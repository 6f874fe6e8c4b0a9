"""Reporters of a compared report (``diff``): new first, existing next, fixed counted or listed."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from validator.change.compare import compare_reports
from validator.model import FindingStatus, Location, Report
from validator.report import OutputFormat, render_report

from .sample import GOLDEN_OPTIONS, sample_findings, sample_report
from .test_report_sarif import _validator

GOLDEN_DIR = Path(__file__).parent / "golden"


def compared_report() -> Report:
    """The sample report as the head of a change: the base had two of its findings (one of
    them on other lines) and one more, since fixed."""
    findings = sample_findings()
    moved = replace(findings[1], location=replace(findings[1].location, line=6))  # schema/type
    gone = replace(findings[3], message="Service has no ports",
                   location=Location(path="apps/web/service.yaml", line=9, column=1))
    base = Report(findings=(moved, findings[6], gone), resources=6, files=4)
    return compare_reports(head=sample_report(), base=base, renames={})


def test_the_compared_sample_has_every_status() -> None:
    report = compared_report()
    statuses = [f.status for f in report.findings]
    assert statuses.count(FindingStatus.EXISTING) == 2
    assert statuses.count(FindingStatus.NEW) == 5
    assert [f.status for f in report.fixed] == [FindingStatus.FIXED]


@pytest.mark.parametrize(("name", "fmt"), [("compared.txt", OutputFormat.TEXT),
                                           ("compared.json", OutputFormat.JSON),
                                           ("compared.sarif", OutputFormat.SARIF),
                                           ("compared.xml", OutputFormat.JUNIT),
                                           ("compared.github.txt", OutputFormat.GITHUB)])
def test_compared_matches_golden(name: str, fmt: OutputFormat) -> None:
    rendered = render_report(compared_report(), fmt, GOLDEN_OPTIONS).encode()
    golden = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(rendered)
        pytest.skip(f"{golden.name} rewritten: review the diff, then run without UPDATE_GOLDEN")
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1"
    assert rendered == golden.read_bytes()


def test_text_shows_new_first_then_existing_then_a_count_of_fixed() -> None:
    text = render_report(compared_report(), OutputFormat.TEXT, GOLDEN_OPTIONS)
    new, existing, fixed = (text.index("New findings"), text.index("Existing findings"),
                            text.index("1 finding fixed"))
    assert new < existing < fixed
    assert text.index("Service selects no pods") < existing  # a new finding
    assert existing < text.index("expected integer, got string") < fixed  # an existing one
    assert "Service has no ports" not in text  # fixed ones are counted, not listed
    assert text.rstrip().endswith("5 new, 2 existing, 1 fixed")


def test_json_has_a_status_on_every_finding_and_includes_fixed() -> None:
    document = json.loads(render_report(compared_report(), OutputFormat.JSON, GOLDEN_OPTIONS))
    statuses = [entry["status"] for entry in document["findings"]]
    assert sorted(statuses) == ["existing"] * 2 + ["fixed"] + ["new"] * 5
    fixed = next(entry for entry in document["findings"] if entry["status"] == "fixed")
    assert (fixed["path"], fixed["line"], fixed["message"]) == (
        "apps/web/service.yaml", 9, "Service has no ports")
    assert {key: document["summary"][key] for key in ("new", "existing", "fixed")} == {
        "new": 5, "existing": 2, "fixed": 1}
    assert document["summary"]["errors"] == 4  # the head's findings, not the fixed one


def test_json_of_check_has_no_status() -> None:
    document = json.loads(render_report(sample_report(), OutputFormat.JSON, GOLDEN_OPTIONS))
    assert all("status" not in entry for entry in document["findings"])
    assert "new" not in document["summary"]


def test_sarif_has_baseline_states_and_is_valid() -> None:
    log = json.loads(render_report(compared_report(), OutputFormat.SARIF, GOLDEN_OPTIONS))
    assert sorted(_validator().iter_errors(log), key=str) == []
    states = [result["baselineState"] for result in log["runs"][0]["results"]]
    assert sorted(states) == ["absent"] + ["new"] * 5 + ["unchanged"] * 2
    absent = next(r for r in log["runs"][0]["results"] if r["baselineState"] == "absent")
    assert absent["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "apps/web/service.yaml")


def test_sarif_of_check_has_no_baseline_state() -> None:
    log = json.loads(render_report(sample_report(), OutputFormat.SARIF, GOLDEN_OPTIONS))
    assert all("baselineState" not in result for result in log["runs"][0]["results"])


def test_junit_and_github_name_the_status() -> None:
    report = compared_report()
    xml = render_report(report, OutputFormat.JUNIT, GOLDEN_OPTIONS)
    parsed = ET.fromstring(xml.encode())  # noqa: S314 - our own output
    failures = "\n".join(f.text or "" for f in parsed.iter("failure"))
    assert "[new]" in failures
    assert "[existing]" in failures
    assert "Service has no ports" not in xml  # fixed findings are not test cases
    github = render_report(report, OutputFormat.GITHUB, GOLDEN_OPTIONS)
    assert "title=Wrong type (schema/type%2C existing)" in github
    assert "Service has no ports" not in github
    assert github.rstrip().endswith("5 new, 2 existing, 1 fixed")
