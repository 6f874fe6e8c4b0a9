"""Every body the GitHub publisher sends, built as a pure function of an :class:`Outcome`.

No I/O here (gidgethub's "sans-I/O" shape): the check run's title, summary and annotations,
the review comments of a pull request and the summary comment are data, tested without a
server. GitHub's limits are applied here, where the text is made: 65,535 bytes for a check
run summary, 65,536 characters for a comment, 50 annotations per request, 255 characters
for an annotation title and 64 KB for its message and details.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import TypeVar, assert_never

from validator.change.block import blocks
from validator.fix import suggestion_block
from validator.model import Finding, FindingStatus, Report, Severity
from validator.report.common import plural, printable, severity_counts, sorted_findings
from validator.report.markdown import code, escape
from validator.scm import markers
from validator.scm.outcome import Outcome

#: GitHub's limit for a check run's ``output.summary`` (bytes of UTF-8).
MAX_SUMMARY_BYTES = 65_535
#: GitHub's limit for an issue or review comment body (characters; bytes are kept under it
#: too, which is never more than the characters).
MAX_COMMENT_CHARS = 65_536
#: The most annotations one check run request may carry.
ANNOTATION_BATCH = 50
#: GitHub's limits for an annotation's title (characters) and message / raw details (bytes).
MAX_ANNOTATION_TITLE = 255
MAX_ANNOTATION_TEXT = 64 * 1024
#: Longest finding message quoted in a review comment (code points).
_COMMENT_MESSAGE_CHARS = 1_000

Annotation = dict[str, str | int]
"""One element of a check run's ``output.annotations``."""

_T = TypeVar("_T")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True, kw_only=True)
class CheckAction:
    """A button on a check run (GitHub: at most three; label 20, description 40 and
    identifier 20 characters)."""

    label: str
    description: str
    identifier: str

    def body(self) -> dict[str, str]:
        """The action as the check-run request carries it, cut to GitHub's lengths."""
        return {"label": self.label[:20], "description": self.description[:40],
                "identifier": self.identifier[:20]}


def conclusion(outcome: Outcome) -> str:
    """``failure`` when the run blocks or the validator failed, else ``success``; never
    ``neutral``, which required checks treat as passing."""
    return "failure" if outcome.blocking or outcome.error else "success"


def check_title(outcome: Outcome) -> str:
    """The check run's one-line title: what was found, counted."""
    if outcome.error:
        first = printable(outcome.error.strip().splitlines()[0] if outcome.error.strip() else "",
                          keep_newlines=False)
        return _cut_chars(f"The validator failed: {first}".rstrip(": "), MAX_ANNOTATION_TITLE)
    rep = outcome.report
    if rep.compared:
        new = sum(1 for f in rep.findings if f.status is FindingStatus.NEW)
        existing = sum(1 for f in rep.findings if f.status is FindingStatus.EXISTING)
        return f"{plural(new, 'new finding')}, {existing} existing, {len(rep.fixed)} fixed"
    if not rep.findings:
        return "No findings"
    return f"{plural(len(rep.findings), 'finding')}: {severity_counts(rep.findings)}"


def check_summary(outcome: Outcome, *, notes: Sequence[str] = ()) -> str:
    """The check run's summary: the error (if the validator failed), the markdown report and
    ``notes`` (what the publisher left out), cut to 65,535 bytes with a notice."""
    parts = [_error_section(outcome), outcome.markdown]
    parts.extend(f"\n_{escape(note)}_\n" for note in notes)
    return fit_markdown("".join(parts), MAX_SUMMARY_BYTES,
                        "_Summary truncated at GitHub's 65,535-byte limit: the full report is "
                        "in the job summary and the workflow log._\n")


def _error_section(outcome: Outcome) -> str:
    """The validator's failure as a fenced block (empty when it did not fail)."""
    if not outcome.error:
        return ""
    error = printable(outcome.error.strip())
    fence = "`" * max(3, _longest_run(error, "`") + 1)
    return f"### The validator failed\n\n{fence}text\n{error}\n{fence}\n\n"


def check_annotations(report: Report) -> tuple[Annotation, ...]:
    """One annotation per finding of the head that has a line (fixed findings are gone from
    the head; whole-file findings are in the summary only), in report order."""
    return tuple(_annotation(f) for f in sorted_findings(report) if f.location.line > 0)


def batches(items: Sequence[_T], size: int = ANNOTATION_BATCH) -> list[tuple[_T, ...]]:
    """``items`` in consecutive batches of ``size`` (one empty batch for no items, so the
    completing request is always sent)."""
    return [tuple(items[i:i + size]) for i in range(0, len(items), size)] or [()]


@dataclass(frozen=True, kw_only=True)
class ReviewComment:
    """A review comment on one line of the head side of a pull request's diff."""

    fingerprint: str
    """The finding's fingerprint (also in the body's hidden marker)."""
    rule_id: str
    """The finding's rule (named when GitHub rejects the comment)."""
    path: str
    """Repository-relative POSIX path."""
    line: int
    """Head-side line, inside a diff hunk."""
    body: str
    """Markdown body ending with the finding marker."""

    def payload(self) -> dict[str, str | int]:
        """The element of a create-review request's ``comments``."""
        return {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}


def review_comments(outcome: Outcome, *, already: Set[str], limit: int,
                    check_name: str = markers.DEFAULT_CHECK) -> tuple[ReviewComment, ...]:
    """Comments for head findings that can block (:func:`validator.change.block.blocks` under
    the run's ``--block``) on commentable lines of the change whose fingerprint is not
    ``already`` commented: new findings first, at most ``limit``."""
    change = outcome.change
    if change is None or limit <= 0:
        return ()
    commentable = {f.path: f.commentable for f in change.files}
    chosen: dict[str, ReviewComment] = {}
    ordered = sorted(sorted_findings(outcome.report), key=lambda f: f.status is not FindingStatus.NEW)
    for finding in ordered:
        if not blocks(finding, outcome.block):
            continue
        path, line = _repo_path(finding.location.path), finding.location.line
        fingerprint = finding.fingerprint
        if fingerprint in already or fingerprint in chosen or line <= 0:
            continue
        if not any(line in lines for lines in commentable.get(path, ())):
            continue
        body = review_comment_body(finding, _suggestion(outcome, finding, path), check_name=check_name)
        chosen[fingerprint] = ReviewComment(fingerprint=fingerprint, rule_id=finding.rule_id,
                                            path=path, line=line, body=body)
        if len(chosen) == limit:
            break
    return tuple(chosen.values())


def _suggestion(outcome: Outcome, finding: Finding, path: str) -> str | None:
    """The suggestion block of a finding whose rule declares a fix, when the head's line
    takes it (see :mod:`validator.fix`)."""
    if finding.fix is None:
        return None
    lines = outcome.head_lines(path)
    return suggestion_block(finding, lines) if lines is not None else None


def review_comment_body(finding: Finding, suggestion: str | None = None, *,
                        check_name: str = markers.DEFAULT_CHECK) -> str:
    """Severity, rule, message, where in the object, the rule's help link, the fix's
    ``suggestion`` block (ready-made by :func:`validator.fix.suggestion_block`) with what it
    does, and the hidden finding marker."""
    message = finding.message
    if len(message) > _COMMENT_MESSAGE_CHARS:
        message = message[:_COMMENT_MESSAGE_CHARS] + " ..."
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


def review_body(comments: Sequence[ReviewComment]) -> str:
    """The body of the review that carries ``comments``."""
    return f"gitops-validator: {plural(len(comments), 'finding')} on the changed lines."


def fixed_reply(fingerprint: str, head_sha: str) -> str:
    """The reply to a finding's comment when its thread cannot be resolved."""
    return f"Fixed in {head_sha[:12]}.\n\n{markers.fixed_marker(fingerprint)}\n"


def summary_comment(outcome: Outcome, check_name: str, problems: Sequence[str] = (),
                    closed: Set[str] = frozenset()) -> str:
    """The pull request's summary comment: the markdown report, what could not be posted,
    the summary marker and the marker of the ``closed`` fingerprints (threads closed as
    fixed; both kept when the text is cut)."""
    text = _error_section(outcome) + outcome.markdown
    if problems:
        text += "\n**Not posted on the diff:**\n\n" + "".join(f"- {escape(p)}\n" for p in problems)
    marker = "\n" + markers.summary_marker(check_name) + "\n"
    if closed:
        marker += markers.closed_marker(closed) + "\n"
    room = MAX_COMMENT_CHARS - len(marker.encode("utf-8"))
    return fit_markdown(text, room, "_Summary truncated at GitHub's comment size limit: "
                        "the full report is in the check run and the workflow log._\n") + marker


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
                kept.append(_cut_bytes(line, budget))
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


def _annotation(finding: Finding) -> Annotation:
    loc = finding.location
    title = f"{finding.rule_id}: {finding.title}" if finding.title else finding.rule_id
    note: Annotation = {"path": _repo_path(loc.path), "start_line": loc.line, "end_line": loc.line,
                        "annotation_level": _level(finding.severity),
                        "message": _cut_bytes(finding.message, MAX_ANNOTATION_TEXT),
                        "title": _cut_chars(printable(title, keep_newlines=False),
                                            MAX_ANNOTATION_TITLE)}
    if loc.column > 0:  # single-line annotations only (start_line == end_line above)
        note["start_column"] = note["end_column"] = loc.column
    details = _details(finding)
    if details:
        note["raw_details"] = _cut_bytes(details, MAX_ANNOTATION_TEXT)
    return note


def _details(finding: Finding) -> str:
    rows = [("resource", str(finding.resource) if finding.resource else ""),
            ("field", finding.location.field),
            ("rendered from", ", ".join(finding.all_targets)),
            ("status", finding.status.value if finding.status else ""),
            ("help", finding.help_uri)]
    return "\n".join(f"{name}: {value}" for name, value in rows if value)


def _level(severity: Severity) -> str:
    match severity:
        case Severity.ERROR:
            return "failure"
        case Severity.WARNING:
            return "warning"
        case Severity.INFO:
            return "notice"
        case _:
            assert_never(severity)


def _repo_path(path: str) -> str:
    """The repository-relative POSIX form GitHub matches against the diff."""
    return posixpath.normpath(path.replace("\\", "/")).lstrip("/")


def _link(url: str) -> str:
    """A URL safe inside Markdown link parentheses."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C") \
        .replace(">", "%3E")


def _longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8", "replace")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def _cut_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."
