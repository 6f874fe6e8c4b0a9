"""The text reporter: layout, summary wording, colour only on request, safe terminal output."""

from __future__ import annotations

import dataclasses

import pytest

from validator.model import Location, Report, Severity, Skipped
from validator.report import RenderOptions, render_text
from validator.report.common import summary_line

from .sample import error_at, report_with, sample_report

PLAIN = RenderOptions()


@pytest.mark.parametrize(
    ("severities", "resources", "files", "expected"),
    [
        ((), 0, 0, "0 resources in 0 files: no problems"),
        ((), 12, 3, "12 resources in 3 files: no problems"),
        ((Severity.ERROR,), 1, 1, "1 resource in 1 file: 1 error"),
        ((Severity.WARNING,), 2, 1, "2 resources in 1 file: 1 warning"),
        ((Severity.INFO,), 1, 2, "1 resource in 2 files: 1 info"),
        ((Severity.INFO, Severity.INFO), 1, 1, "1 resource in 1 file: 2 infos"),
        (
            (Severity.ERROR,) * 4 + (Severity.WARNING,) * 2,
            120,
            31,
            "120 resources in 31 files: 4 errors, 2 warnings",
        ),
        (
            (Severity.INFO, Severity.WARNING, Severity.ERROR),
            3,
            1,
            "3 resources in 1 file: 1 error, 1 warning, 1 info",
        ),
    ],
)
def test_summary_wording(
    severities: tuple[Severity, ...], resources: int, files: int, expected: str
) -> None:
    findings = [error_at("a.yaml", line=i + 1, severity=s) for i, s in enumerate(severities)]
    report = report_with(findings, resources=resources, files=files)
    assert summary_line(report) == expected
    assert render_text(report, PLAIN).splitlines()[-1] == expected


def test_finding_line_format() -> None:
    report = report_with([error_at("apps/a.yaml", line=7)], resources=1, files=1)
    lines = render_text(report, PLAIN).splitlines()
    assert lines[0] == "apps/a.yaml (1 error)"
    assert lines[1] == "  apps/a.yaml:7: error schema/required missing field"
    assert lines[2] == "      in Deployment prod/web"


def test_line_zero_prints_path_alone() -> None:
    text = render_text(sample_report(), PLAIN)
    assert "  apps/web/kustomization.yaml: error render/kustomize kustomize build" in text
    assert "kustomization.yaml:0" not in text


def test_line_and_column_and_field_and_help() -> None:
    text = render_text(sample_report(), PLAIN)
    assert "apps/web/deployment.yaml:20:18: warning K8S-001 image uses the latest tag" in text
    assert "in Deployment prod/web at spec.template.spec.containers[0].image" in text
    assert "Image tag: pinned, not latest: https://example.com/policies/K8S-001" in text


def test_multiline_message_is_indented() -> None:
    lines = render_text(sample_report(), PLAIN).splitlines()
    first = next(i for i, line in enumerate(lines) if "render/kustomize" in line)
    assert lines[first + 1].startswith("      error: <resource> & ")


def test_skipped_are_listed() -> None:
    report = Report(findings=(), resources=0, files=1,
                    skipped=(Skipped(path="b.txt", reason="not YAML"),))
    assert render_text(report, PLAIN).splitlines() == [
        "skipped: b.txt: not YAML",
        "",
        "0 resources in 1 file: no problems; 1 item not checked: not YAML",
    ]


def test_no_ansi_without_color_and_some_with_it() -> None:
    plain = render_text(sample_report(), PLAIN)
    coloured = render_text(sample_report(), RenderOptions(color=True))
    assert "\x1b" not in plain
    assert "\x1b[1;31merror\x1b[0m" in coloured


def test_control_characters_from_input_are_made_visible() -> None:
    text = render_text(sample_report(), RenderOptions(color=False))
    assert "(\\x1b[31mfirst\\x1b[0m at line 2)" in text


def test_column_without_line_is_not_printed() -> None:
    finding = dataclasses.replace(error_at("x.yaml"), location=Location(path="x.yaml", column=4))
    text = render_text(report_with([finding], resources=1, files=1), PLAIN)
    assert "  x.yaml: error" in text


def test_display_root_prefixes_every_path() -> None:
    text = render_text(sample_report(), RenderOptions(display_root="../repo"))
    assert "\n../repo/apps/web/kustomization.yaml (1 error)\n" in text
    assert "  ../repo/apps/web/deployment.yaml:8:13: error schema/type" in text
    assert "skipped: ../repo/README.md: not a YAML or JSON file" in text
    assert "\napps/web" not in text
