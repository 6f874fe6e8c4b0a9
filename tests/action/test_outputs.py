"""What the step leaves behind: outputs, the job summary, the SARIF file."""

from __future__ import annotations

import json
from pathlib import Path

from validator.action.outputs import (
    MAX_SUMMARY_BYTES,
    StepOutputs,
    append_step_summary,
    parse_output_file,
    write_outputs,
)


def test_outputs_use_the_heredoc_form_and_read_back(tmp_path: Path) -> None:
    target = tmp_path / "output"
    target.write_text("earlier=1\n")
    write_outputs(target, StepOutputs(conclusion="failure", new=3, existing=1, fixed=2,
                                      sarif_file="out/report.sarif"))
    text = target.read_text()
    assert text.startswith("earlier=1\n")
    assert "conclusion<<" in text
    assert parse_output_file(target) == {
        "earlier": "1", "conclusion": "failure", "new-findings": "3", "existing-findings": "1",
        "fixed-findings": "2", "sarif-file": "out/report.sarif"}


def test_a_value_holding_the_delimiter_cannot_inject_an_output(tmp_path: Path) -> None:
    target = tmp_path / "output"
    evil = "x\nconclusion=success\nghadelimiter_1\nnew-findings=0"
    write_outputs(target, StepOutputs(conclusion="failure", new=1, existing=0, fixed=0, sarif_file=evil))
    outputs = parse_output_file(target)
    assert outputs["conclusion"] == "failure"
    assert outputs["new-findings"] == "1"
    assert outputs["sarif-file"] == evil


def test_the_step_summary_is_appended_within_its_limit_with_a_notice(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("# earlier step\n")
    append_step_summary(target, "## small\n")
    assert target.read_text() == "# earlier step\n## small\n"
    big = "- é finding line\n" * 200_000
    append_step_summary(target, big)
    text = target.read_text(encoding="utf-8")
    assert len(text.encode()) <= MAX_SUMMARY_BYTES
    assert text.startswith("# earlier step\n## small\n- é finding line\n")
    assert "job summary limit" in text.splitlines()[-1]


def test_sarif_is_json(tmp_path: Path) -> None:
    from validator.action.outputs import write_sarif  # noqa: PLC0415
    from validator.model import Report  # noqa: PLC0415
    from validator.report import RenderOptions  # noqa: PLC0415

    target = tmp_path / "deep" / "report.sarif"
    write_sarif(target, Report(findings=(), resources=0, files=0, compared=True), RenderOptions(),
                workspace=tmp_path)
    assert json.loads(target.read_text())["version"] == "2.1.0"
