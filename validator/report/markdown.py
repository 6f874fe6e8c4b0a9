"""The ``markdown`` reporter: a summary ready to post as a pull-request comment or job summary.

Layout: a heading with the counts, the summary line, then the findings by file (each
with a link ``{link_base}/{path}#L{line}`` when ``RenderOptions.link_base`` is set).
When findings carry a comparison status (``status``: new / existing / fixed, set by the
base/head comparison) they are grouped by it: new findings listed, existing ones in a
collapsed ``<details>``, fixed ones counted; without it (``check``) every finding is
listed by file. A :class:`~validator.change.rendered_diff.RenderedDiff`, when given,
follows in a collapsed ``<details>`` block, one fenced ``diff`` block per object.

The whole body stays within ``max_bytes`` (65,000 by default, under GitHub's 65,536
limit for comments and check-run summaries): findings and diff blocks are added while
they fit, a cut diff is cut at a line boundary with its fence closed, and what was
left out is said in a notice. Text from manifests is escaped (HTML, Markdown, @mentions)
and code fences are longer than any backtick run they hold, so a manifest cannot
close a fence, open a tag or ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from validator.change.rendered_diff import ObjectChange, ObjectDiff, RenderedDiff
from validator.model import Finding, Report
from validator.report.common import (
    not_checked_text,
    plural,
    printable,
    severity_counts,
    sorted_findings,
    summary_line,
)
from validator.report.options import RenderOptions

#: GitHub refuses comments and check-run summaries over 65,536 bytes; keep a margin.
MAX_BYTES = 65_000
#: Longest message shown for one finding (code points; never cuts inside a character).
_MESSAGE_CHARS = 1_000
#: Room kept free for the closing notices and tags while filling in findings and diffs.
_RESERVE = 1_000

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # < > & become entities
_BLOCK_START = re.compile(r"^(\d*)([#+\-=.)])")  # what would start a heading or a list
_BACKTICKS = re.compile(r"`+")
#: Bidirectional controls (``Trojan Source``) and zero-width marks: shown as ``\\uXXXX``.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

STATUSES = ("new", "existing", "fixed")


def finding_status(finding: Finding) -> str:
    """The finding's comparison status (``new``/``existing``/``fixed``), or empty when it has
    none (a ``check`` run)."""
    return finding.status.value if finding.status is not None else ""


def render_markdown(report: Report, options: RenderOptions, *, diff: RenderedDiff | None = None,
                    max_bytes: int = MAX_BYTES) -> str:
    """The report (and the rendered diff, when given) as Markdown within ``max_bytes``."""
    findings = [*sorted_findings(report), *report.fixed]  # fixed ones only counted
    compared = report.compared or any(finding_status(f) for f in findings)
    out = _Budget(max_bytes - _RESERVE)
    out.add(*_head(report, findings, compared=compared))
    if compared:
        by_status = {s: [f for f in findings if finding_status(f) == s] for s in STATUSES}
        _findings_section(out, "New findings", by_status["new"], options, collapsed=False)
        _findings_section(out, "Existing findings", by_status["existing"], options, collapsed=True)
        fixed = len(by_status["fixed"])
        out.add(f"**{plural(fixed, 'fixed finding')}** (on the base, gone on the head)\n")
    else:
        _findings_section(out, "Findings", findings, options, collapsed=False)
    if diff is not None:
        _diff_section(out, diff)
    return out.text()


class _Budget:
    """Markdown blocks and their size; ``fits`` keeps the optional ones within ``limit``
    (the closing tags and notices added after it are covered by ``_RESERVE``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.blocks: list[str] = []
        self.size = 0

    def fits(self, block: str) -> bool:
        return self.size + len(block.encode()) + 1 <= self.limit

    def add(self, *blocks: str) -> None:
        for block in blocks:
            self.blocks.append(block)
            self.size += len(block.encode()) + 1

    def text(self) -> str:
        return "\n".join(self.blocks)


def _head(report: Report, findings: Sequence[Finding], *, compared: bool) -> list[str]:
    if compared:
        counts = {s: sum(1 for f in findings if finding_status(f) == s) for s in STATUSES}
        new = [f for f in findings if finding_status(f) == "new"]
        title = f"## gitops-validator: {plural(counts['new'], 'new finding')}"
        title += f" ({severity_counts(new)})" if new else ""
        table = ("| new | existing | fixed |\n|---:|---:|---:|\n"
                 f"| {counts['new']} | {counts['existing']} | {counts['fixed']} |\n")
        checked = f"{plural(report.resources, 'resource')} in {plural(report.files, 'file')}"
        unchecked = not_checked_text(report)  # severities of the whole report would count fixed
        return [title + "\n", escape(checked + (f"; {unchecked}" if unchecked else "")) + "\n",
                table]
    title = f"## gitops-validator: {plural(len(findings), 'finding')}"
    title += f" ({severity_counts(findings)})" if findings else ""
    return [title + "\n", escape(summary_line(report)) + "\n"]


def _findings_section(out: _Budget, title: str, findings: Sequence[Finding],
                      options: RenderOptions, *, collapsed: bool) -> None:
    if not findings:
        return
    noun = title.split(maxsplit=1)[0].lower() + " finding"
    opening = (f"<details><summary>{plural(len(findings), noun)}</summary>\n" if collapsed
               else f"### {title}\n")
    closing = "</details>\n" if collapsed else ""
    out.add(opening)
    shown = 0
    room = out.limit - out.size - len(closing.encode()) - 1
    for path, group in _by_file(findings):
        header = f"#### {code(path)}\n\n"
        lines: list[str] = []
        size = len(header.encode())
        for finding in group:
            line = _finding_line(finding, options)
            if size + len(line.encode()) > room:
                break
            lines.append(line)
            size += len(line.encode())
        if lines:
            out.add(header + "".join(lines))
            room -= size + 1
            shown += len(lines)
        if len(lines) < len(group):
            break
    if shown < len(findings):
        out.add(f"_... {plural(len(findings) - shown, 'more finding')} not shown "
                "(size limit of the summary): see the full report._\n")
    if closing:
        out.add(closing)


def _by_file(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.location.path, []).append(finding)
    return list(groups.items())


def _finding_line(finding: Finding, options: RenderOptions) -> str:
    loc = finding.location
    where = f"line {loc.line}" if loc.line > 0 else "file"
    if options.link_base:
        anchor = f"#L{loc.line}" if loc.line > 0 else ""
        where = f"[{where}]({options.link_base.rstrip('/')}/{quote(loc.path, safe='/')}{anchor})"
    message = finding.message
    if len(message) > _MESSAGE_CHARS:
        message = message[:_MESSAGE_CHARS] + " ..."
    context = [f"in {escape(str(finding.resource))}"] if finding.resource else []
    if loc.field:
        context.append(f"at {code(loc.field)}")
    tail = f" ({' '.join(context)})" if context else ""
    return (f"- **{finding.severity.label}** {code(finding.rule_id)} {where}: "
            f"{escape(message)}{tail}\n")


def _diff_section(out: _Budget, diff: RenderedDiff) -> None:
    counts = diff.counts()
    summary = ", ".join(f"{counts[c]} {c.value}" for c in ObjectChange)
    out.add(f"<details><summary>Rendered diff: {plural(diff.changed, 'object')} changed "
            f"({summary}), {diff.unchanged} unchanged</summary>\n")
    closing = "</details>\n"
    omitted = len(diff.omitted)
    for index, item in enumerate(diff.objects):
        block = _diff_block(item, item.lines, item.truncated)
        if out.fits(block + closing):
            out.add(block)
            continue
        partial = _partial_block(out, item, closing)
        if partial:
            out.add(partial)
        omitted += len(diff.objects) - index - (1 if partial else 0)
        break
    if omitted:
        out.add(f"_... {plural(omitted, 'more changed object')} not shown "
                "(size limit of the summary)._\n")
    out.add(closing)


def _partial_block(out: _Budget, item: ObjectDiff, closing: str) -> str:
    """The first lines of ``item`` that fit (empty when none does), cut at a line boundary."""
    best = ""
    for count in range(1, len(item.lines)):
        block = _diff_block(item, item.lines[:count], item.truncated + len(item.lines) - count)
        if not out.fits(block + closing):
            break
        best = block
    return best


def _diff_block(item: ObjectDiff, lines: Sequence[str], cut: int) -> str:
    body = "\n".join(visible(line) for line in lines)
    if cut:
        body += f"\n... {cut} more diff lines of this object not shown"
    fence = "`" * max(3, _longest_backticks(body) + 1)
    return f"**{escape(item.title)}**\n\n{fence}diff\n{body}\n{fence}\n"


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def visible(text: str) -> str:
    """``text`` on one line with control and bidirectional characters as visible escapes."""
    one_line = printable(text, keep_newlines=False)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", one_line)


def escape(text: str) -> str:
    """Untrusted text made inert in Markdown: one line, control characters visible, Markdown
    punctuation backslash-escaped, HTML special characters as entities, @mentions broken."""
    one_line = visible(text)
    escaped = _BLOCK_START.sub(r"\1\\\2", _MARKDOWN_SPECIAL.sub(r"\\\1", one_line))
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("@", "@\u200b")


def code(text: str) -> str:
    """Untrusted text as an inline code span whose delimiter no backtick run inside can close."""
    one_line = visible(text)
    ticks = "`" * (_longest_backticks(one_line) + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"
