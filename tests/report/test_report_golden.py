"""Every format rendered from the fixed sample report, compared byte for byte with golden files.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/report`` and
review the diff.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from validator.report import OutputFormat, RenderOptions, render_report

from .sample import GOLDEN_OPTIONS, sample_report

GOLDEN_DIR = Path(__file__).parent / "golden"

_EXTENSIONS = {
    OutputFormat.TEXT: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.SARIF: "sarif",
    OutputFormat.JUNIT: "xml",
    OutputFormat.GITHUB: "github.txt",
    OutputFormat.MARKDOWN: "md",
    OutputFormat.CODEQUALITY: "codequality.json",
}

CASES: list[tuple[str, OutputFormat, RenderOptions]] = [
    *((f"report.{_EXTENSIONS[fmt]}", fmt, GOLDEN_OPTIONS) for fmt in OutputFormat),
    ("report-color.txt", OutputFormat.TEXT, dataclasses.replace(GOLDEN_OPTIONS, color=True)),
]


@pytest.mark.parametrize(("name", "fmt", "options"), CASES, ids=[case[0] for case in CASES])
def test_matches_golden(name: str, fmt: OutputFormat, options: RenderOptions) -> None:
    rendered = render_report(sample_report(), fmt, options).encode()
    golden = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(rendered)
        pytest.skip(f"{golden.name} rewritten: review the diff, then run without UPDATE_GOLDEN")
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1"
    assert rendered == golden.read_bytes()


def test_every_format_has_a_golden_file() -> None:
    assert {fmt for _, fmt, _ in CASES} == set(OutputFormat)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_output_does_not_depend_on_finding_order(fmt: OutputFormat) -> None:
    report = sample_report()
    shuffled = dataclasses.replace(
        report,
        findings=tuple(reversed(report.findings)),
        rules=tuple(reversed(report.rules)),
        skipped=tuple(reversed(report.skipped)),
        tool_versions=tuple(reversed(report.tool_versions)),
    )
    assert render_report(shuffled, fmt, GOLDEN_OPTIONS) == render_report(
        report, fmt, GOLDEN_OPTIONS
    )
