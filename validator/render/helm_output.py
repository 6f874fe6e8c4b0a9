"""Load findings in ``helm template`` output, placed on the template that wrote it.

The output is loaded as one text named after the chart's ``Chart.yaml``, so a load
finding without an object (a YAML syntax error, a duplicate key, a nesting or alias
limit) would name ``Chart.yaml`` with a line of the rendered output, which no one
can edit. Such a finding is moved to the template whose ``# Source:`` section holds
it: syntax errors and duplicate keys by their line in the output (the line itself
means nothing in the template: 0, the whole file), a limit by the document the
loader stopped at (its line is already the template's, from the locator). Helm
itself refuses documents that are not objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from validator.model import Finding

_BY_OUTPUT_LINE = frozenset({"load/syntax", "load/duplicate-key"})
_SEPARATOR = re.compile(r"^---(?:\s|$)")


def relocate_findings(findings: Iterable[Finding], *, output: str, chart_file: str,
                      source_path: Callable[[int], str], loaded: Iterable[int]) -> list[Finding]:
    """``findings`` with those on ``chart_file`` moved to the template they come from.

    ``source_path`` maps an output document index to its template; ``loaded`` are the
    indexes of the documents that were loaded (a limit stops at the one after them).
    """
    loaded = list(loaded)
    moved = []
    for finding in findings:
        location = finding.location
        path = None
        if location.path == chart_file and finding.resource is None:
            if finding.rule_id in _BY_OUTPUT_LINE and location.line > 0:
                path = source_path(_document_at_line(output, location.line))
                location = replace(location, line=0, column=0)
            elif finding.rule_id == "load/limit":
                path = source_path(max(loaded, default=-1) + 1)
        moved.append(replace(finding, location=replace(location, path=path)) if path else finding)
    return moved


def _document_at_line(output: str, line: int) -> int:
    """The index of the output document holding 1-based ``line`` (counted as
    :func:`validator.render.helm_map.document_sources` counts them)."""
    lines = output.splitlines()
    before = sum(1 for text in lines[:max(line - 1, 0)] if _SEPARATOR.match(text))
    head = []
    for text in lines:
        if _SEPARATOR.match(text):
            break
        head.append(text)
    empty_head = not any(text.strip() and not text.lstrip().startswith("#") for text in head)
    return before - 1 if empty_head and before else before
