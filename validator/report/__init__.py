"""Pure reporters: a :class:`~validator.model.Report` in, text out; no I/O anywhere here.

``REPORTERS`` maps every :class:`OutputFormat` to its reporter (the CLI's
``--output`` choices come from its keys); :func:`render_report` picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

from validator.model import Report
from validator.report.codequality import render_codequality
from validator.report.github import render_github
from validator.report.json_report import render_json
from validator.report.junit import render_junit
from validator.report.markdown import render_markdown
from validator.report.options import OutputFormat, RenderOptions
from validator.report.sarif import render_sarif
from validator.report.text import render_text

#: A reporter: a pure function from a report and options to the text to print.
Reporter = Callable[[Report, RenderOptions], str]


def reporter_for(fmt: OutputFormat) -> Reporter:  # noqa: PLR0911 (one case per format)
    """The reporter for a format (exhaustive: a new format fails type checking until handled)."""
    match fmt:
        case OutputFormat.TEXT:
            return render_text
        case OutputFormat.JSON:
            return render_json
        case OutputFormat.SARIF:
            return render_sarif
        case OutputFormat.JUNIT:
            return render_junit
        case OutputFormat.GITHUB:
            return render_github
        case OutputFormat.MARKDOWN:
            return render_markdown
        case OutputFormat.CODEQUALITY:
            return render_codequality
        case _:
            assert_never(fmt)


#: Every format's reporter, in declaration order.
REPORTERS: dict[OutputFormat, Reporter] = {fmt: reporter_for(fmt) for fmt in OutputFormat}


def render_report(report: Report, fmt: OutputFormat, options: RenderOptions) -> str:
    """Render ``report`` in format ``fmt``."""
    return reporter_for(fmt)(report, options)


__all__ = [
    "REPORTERS",
    "OutputFormat",
    "RenderOptions",
    "Reporter",
    "render_codequality",
    "render_github",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_report",
    "render_sarif",
    "render_text",
    "reporter_for",
]
