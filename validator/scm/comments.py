"""Comment text every publisher posts (GitHub and GitLab), built as pure functions.

The finding comment's body (severity, rule, message, help link, a fix's ``suggestion``
block, the hidden marker), the "fixed" reply, the summary comment and the Markdown cutter
that keeps a body under a platform's limit: each platform's payload module passes its own
limit and truncation notice (GitHub: 65,536 characters per comment; GitLab: 1,000,000
characters per note) and adds what only it has.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence, Set

from validator.change.block import blocks
from validator.fix import suggestion_block
from validator.model import Finding, FindingStatus
from validator.report.common import plural, printable, severity_counts, sorted_findings
from validator.report.markdown import code, escape
from validator.scm import markers
from validator.scm.outcome import Outcome

#: Longest finding message quoted in a comment (code points).
COMMENT_MESSAGE_CHARS = 1_000
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def error_section(outcome: Outcome) -> str:
    """The validator's failure as a fenced block (empty when it did not fail)."""
    if not outcome.error:
        return ""
    error = printable(outcome.error.strip())
    fence = "`" * max(3, _longest_run(error, "`") + 1)
    return f"### The validator failed\n\n{fence}text\n{error}\n{fence}\n\n"


def headline(outcome: Outcome) -> str:
    """One line saying what was found, counted (a check run's title, a commit status's
    description)."""
    if outcome.error:
        first = printable(outcome.error.strip().splitlines()[0] if outcome.error.strip() else "",
                          keep_newlines=False)
        return f"The validator failed: {first}".rstrip(": ")
    rep = outcome.report
    if rep.compared:
        new = sum(1 for f in rep.findings if f.status is FindingStatus.NEW)
        existing = sum(1 for f in rep.findings if f.status is FindingStatus.EXISTING)
        return f"{plural(new, 'new finding')}, {existing} existing, {len(rep.fixed)} fixed"
    if not rep.findings:
        return "No findings"
    return f"{plural(len(rep.findings), 'finding')}: {severity_counts(rep.findings)}"


def summary_body(outcome: Outcome, check_name: str, problems: Sequence[str] = (),
                 closed: Set[str] = frozenset(), *, max_bytes: int, notice: str,
                 outside: Sequence[str] = ()) -> str:
    """A merge or pull request's summary comment: the markdown report, the findings that
    could not be placed on the diff (``outside``), what could not be posted (``problems``),
    the summary marker and the marker of the ``closed`` fingerprints (threads closed as
    fixed; both kept when the text is cut to ``max_bytes`` of UTF-8, the platform's limit,
    with ``notice`` saying so)."""
    text = error_section(outcome) + outcome.markdown
    if outside:
        text += "\n**Outside the diff:**\n\n" + "".join(f"- {escape(o)}\n" for o in outside)
    if problems:
        text += "\n**Not posted on the diff:**\n\n" + "".join(f"- {escape(p)}\n" for p in problems)
    marker = "\n" + markers.summary_marker(check_name) + "\n"
    if closed:
        marker += markers.closed_marker(closed) + "\n"
    room = max_bytes - len(marker.encode("utf-8"))
    return fit_markdown(text, room, notice) + marker


def comment_findings(outcome: Outcome) -> list[tuple[Finding, str, int]]:
    """``(finding, repository path, head line)`` of every head finding that can block
    (:func:`validator.change.block.blocks` under the run's ``--block``) and has a line, new
    findings first, in report order otherwise: what a line comment may be posted for (a
    fingerprint may come twice; the caller keeps the first one it can place)."""
    ordered = sorted(sorted_findings(outcome.report), key=lambda f: f.status is not FindingStatus.NEW)
    return [(f, repo_path(f.location.path), f.location.line) for f in ordered
            if blocks(f, outcome.block) and f.location.line > 0]


def suggestion(outcome: Outcome, finding: Finding, path: str) -> str | None:
    """The suggestion block of a finding whose rule declares a fix, when the head's line
    takes it (see :mod:`validator.fix`)."""
    if finding.fix is None:
        return None
    lines = outcome.head_lines(path)
    return suggestion_block(finding, lines) if lines is not None else None


def finding_body(finding: Finding, suggestion: str | None = None, *,
                        check_name: str = markers.DEFAULT_CHECK) -> str:
    """Severity, rule, message, where in the object, the rule's help link, the fix's
    ``suggestion`` block (ready-made by :func:`validator.fix.suggestion_block`) with what it
    does, and the hidden finding marker."""
    message = finding.message
    if len(message) > COMMENT_MESSAGE_CHARS:
        message = message[:COMMENT_MESSAGE_CHARS] + " ..."
    title = f" {escape(finding.title)}:" if finding.title else ""
    lines = [f"**{finding.severity.label}** {code(finding.rule_id)}{title} {escape(message)}"]
    context = [f"in {escape(str(finding.resource))}"] if finding.resource else []
    if finding.location.field:
        context.append(f"at {code(finding.location.field)}")
    if finding.status is FindingStatus.EXISTING:
        context.append("(already on the base branch)")
    if context:
        text = " ".join(context)
        lines.append(text[0].upper() + text[1:])
    if finding.help_uri.startswith(("https://", "http://")):
        lines.append(f"[How to fix {code(finding.rule_id)}]({_link(finding.help_uri)})")
    if suggestion is not None:
        if finding.fix is not None and finding.fix.description:
            lines.append(f"Suggested fix: {escape(finding.fix.description)}")
        lines.append(suggestion)
    lines.append(markers.finding_marker(finding.fingerprint, check_name))
    return "\n\n".join(lines) + "\n"


def fixed_reply(fingerprint: str, head_sha: str) -> str:
    """The reply to a finding's comment when its thread cannot be resolved."""
    return f"Fixed in {head_sha[:12]}.\n\n{markers.fixed_marker(fingerprint)}\n"


def fit_markdown(text: str, max_bytes: int, notice: str) -> str:
    """``text`` if it fits in ``max_bytes`` of UTF-8; else its first lines that fit, with an
    open code fence and open ``<details>`` blocks closed, then ``notice``."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    budget = max_bytes - len(notice.encode("utf-8")) - 64  # closers: a fence and tags
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = len(line.encode("utf-8"))
        if used + size > budget:
            if not kept:
                kept.append(cut_bytes(line, budget))
            break
        kept.append(line)
        used += size
    closers = _closers(kept)
    while kept and len("".join(kept + closers).encode("utf-8")) > budget + 64:
        kept.pop()  # many open blocks: drop lines until their closers fit as well
        closers = _closers(kept)
    body = "".join(kept)
    if body and not body.endswith("\n"):
        body += "\n"
    return body + "".join(closers) + "\n" + notice


def _closers(lines: Sequence[str]) -> list[str]:
    """What closes the code fence and the ``<details>`` blocks ``lines`` leave open."""
    fence = ""
    details = 0
    for line in lines:
        match = _FENCE.match(line)
        if fence:
            if match and match[1][0] == fence[0] and len(match[1]) >= len(fence) \
                    and not line.strip()[len(match[1]):]:
                fence = ""
        elif match:
            fence = match[1]
        else:
            details += line.count("<details") - line.count("</details>")
    out = [fence + "\n"] if fence else []
    return out + ["</details>\n"] * max(details, 0)


def repo_path(path: str) -> str:
    """The repository-relative POSIX form GitHub and GitLab match against the diff."""
    return posixpath.normpath(path.replace("\\", "/")).lstrip("/")


def _link(url: str) -> str:
    """A URL safe inside Markdown link parentheses."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C") \
        .replace(">", "%3E")


def _longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)


def cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8", "replace")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def cut_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."
