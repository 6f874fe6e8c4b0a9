"""The reporter registry: every format has a reporter, and render_report dispatches to it."""

from __future__ import annotations

import pytest

from validator.report import (
    REPORTERS,
    OutputFormat,
    RenderOptions,
    render_codequality,
    render_github,
    render_json,
    render_junit,
    render_markdown,
    render_report,
    render_sarif,
    render_text,
)

from .sample import sample_report


def test_registry_covers_every_format() -> None:
    assert list(REPORTERS) == list(OutputFormat)
    assert [fmt.value for fmt in OutputFormat] == ["text", "json", "sarif", "junit", "github",
                                                   "markdown", "codequality"]


@pytest.mark.parametrize(
    ("fmt", "reporter"),
    [
        (OutputFormat.TEXT, render_text),
        (OutputFormat.JSON, render_json),
        (OutputFormat.SARIF, render_sarif),
        (OutputFormat.JUNIT, render_junit),
        (OutputFormat.GITHUB, render_github),
        (OutputFormat.MARKDOWN, render_markdown),
        (OutputFormat.CODEQUALITY, render_codequality),
    ],
)
def test_render_report_dispatches(fmt: OutputFormat, reporter: object) -> None:
    assert REPORTERS[fmt] is reporter
    options = RenderOptions(tool_version="9.9.9")
    assert render_report(sample_report(), fmt, options) == REPORTERS[fmt](sample_report(), options)


def test_default_options() -> None:
    import validator  # noqa: PLC0415

    options = RenderOptions()
    assert (options.color, options.tool_name, options.tool_version, options.root_uri) == (
        False, "gitops-validator", validator.__version__, "",
    )
