"""The GitHub workflow-command reporter and its escaping (actions/toolkit command.ts rules)."""

from __future__ import annotations

import pytest

from validator.model import Engine, Finding, Location, Severity
from validator.report import RenderOptions, render_github
from validator.report.github import escape_data, escape_property, workflow_command

from .sample import error_at, report_with, sample_report


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),
        ("<&> ü", "<&> ü", "<&> ü"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_command_shape() -> None:
    command = workflow_command("error", [("file", "a,b.yaml"), ("line", "3"), ("title", "")],
                               "x: y\nz")
    assert command == "::error file=a%2Cb.yaml,line=3::x: y%0Az"
    assert workflow_command("notice", [], "m") == "::notice::m"


def test_severities_and_positions() -> None:
    findings = [
        error_at("e.yaml", line=2),
        error_at("w.yaml", line=0, severity=Severity.WARNING),
        error_at("i.yaml", line=5, severity=Severity.INFO),
    ]
    lines = render_github(report_with(findings, resources=3, files=3), RenderOptions()).splitlines()
    assert lines == [
        "::error file=e.yaml,line=2,title=schema/required::missing field (Deployment prod/web)",
        "::notice file=i.yaml,line=5,title=schema/required::missing field (Deployment prod/web)",
        "::warning file=w.yaml,title=schema/required::missing field (Deployment prod/web)",
        "gitops-validator: 3 resources in 3 files: 1 error, 1 warning, 1 info",
    ]


def test_column_only_with_line() -> None:
    finding = Finding(rule_id="r", severity=Severity.ERROR, message="m",
                      location=Location(path="a.yaml", line=3, column=9), engine=Engine.POLICY)
    (line, _) = render_github(report_with([finding], resources=1, files=1),
                              RenderOptions()).splitlines()
    assert line == "::error file=a.yaml,line=3,col=9,title=r::m"


def test_every_line_is_one_command_or_the_summary() -> None:
    lines = render_github(sample_report(), RenderOptions()).splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines[:-1])
    assert lines[-1] == ("gitops-validator: 7 resources in 4 files: 4 errors, 2 warnings, 1 info; "
                         "1 item not checked: --skip-kinds Secret, "
                         "1 item not checked: not a YAML or JSON file")
    assert len(lines) == len(sample_report().findings) + len(sample_report().skipped) + 1
    assert not any("\x1b" in line or "\r" in line for line in lines)


def test_title_property_is_escaped() -> None:
    text = render_github(sample_report(), RenderOptions())
    assert "title=Image tag%3A pinned%2C not latest (K8S-001)::" in text
    assert "::kustomize build failed: 100%25 broken,%0Aerror: <resource> & " in text


def test_message_newlines_and_control_characters() -> None:
    assert workflow_command("error", [("title", "t\x07")], "a\r\nb\rc\x1b[0m") == (
        "::error title=t\\x07::a%0D%0Ab%0Dc\\x1b[0m"
    )
