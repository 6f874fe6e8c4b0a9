"""Every body the GitHub publisher sends, built as a pure function of an :class:`Outcome`.

No I/O here (gidgethub's "sans-I/O" shape): the check run's title, summary and annotations,
the review comments of a pull request and the summary comment are data, tested without a
server; the text GitLab's comments share (finding body, "fixed" reply, summary, Markdown
cutting) lives in :mod:`validator.scm.comments`. GitHub's limits are applied here, where
the text is made: 65,535 bytes for a check run summary, 65,536 characters for a comment,
50 annotations per request, 255 characters for an annotation title and 64 KB for its
message and details.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import TypeVar, assert_never

from validator.model import Finding, Report, Severity
from validator.report.common import plural, printable, sorted_findings
from validator.report.markdown import escape
from validator.scm import comments, markers
from validator.scm.comments import cut_bytes, cut_chars, error_section, fit_markdown, fixed_reply, repo_path
from validator.scm.comments import finding_body as review_comment_body
from validator.scm.outcome import Outcome

__all__ = ["ANNOTATION_BATCH", "MAX_ANNOTATION_TEXT", "MAX_ANNOTATION_TITLE", "MAX_COMMENT_CHARS",
           "MAX_SUMMARY_BYTES", "CheckAction", "ReviewComment", "batches", "check_annotations",
           "check_summary", "check_title", "conclusion", "fit_markdown", "fixed_reply",
           "review_body", "review_comment_body", "review_comments", "summary_comment"]

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

Annotation = dict[str, str | int]
"""One element of a check run's ``output.annotations``."""

_T = TypeVar("_T")


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
    return cut_chars(comments.headline(outcome), MAX_ANNOTATION_TITLE)


def check_summary(outcome: Outcome, *, notes: Sequence[str] = ()) -> str:
    """The check run's summary: the error (if the validator failed), the markdown report and
    ``notes`` (what the publisher left out), cut to 65,535 bytes with a notice."""
    parts = [error_section(outcome), outcome.markdown]
    parts.extend(f"\n_{escape(note)}_\n" for note in notes)
    return fit_markdown("".join(parts), MAX_SUMMARY_BYTES,
                        "_Summary truncated at GitHub's 65,535-byte limit: the full report is "
                        "in the job summary and the workflow log._\n")


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
    for finding, path, line in comments.comment_findings(outcome):
        fingerprint = finding.fingerprint
        if fingerprint in already or fingerprint in chosen:
            continue
        if not any(line in lines for lines in commentable.get(path, ())):
            continue
        body = review_comment_body(finding, comments.suggestion(outcome, finding, path),
                                   check_name=check_name)
        chosen[fingerprint] = ReviewComment(fingerprint=fingerprint, rule_id=finding.rule_id,
                                            path=path, line=line, body=body)
        if len(chosen) == limit:
            break
    return tuple(chosen.values())


def review_body(comments: Sequence[ReviewComment]) -> str:
    """The body of the review that carries ``comments``."""
    return f"gitops-validator: {plural(len(comments), 'finding')} on the changed lines."

def summary_comment(outcome: Outcome, check_name: str, problems: Sequence[str] = (),
                    closed: Set[str] = frozenset()) -> str:
    """The pull request's summary comment (:func:`validator.scm.comments.summary_body`) cut
    to GitHub's comment size."""
    return comments.summary_body(
        outcome, check_name, problems, closed, max_bytes=MAX_COMMENT_CHARS,
        notice="_Summary truncated at GitHub's comment size limit: the full report is in the "
               "check run and the workflow log._\n")



def _annotation(finding: Finding) -> Annotation:
    loc = finding.location
    title = f"{finding.rule_id}: {finding.title}" if finding.title else finding.rule_id
    note: Annotation = {"path": repo_path(loc.path), "start_line": loc.line, "end_line": loc.line,
                        "annotation_level": _level(finding.severity),
                        "message": cut_bytes(finding.message, MAX_ANNOTATION_TEXT),
                        "title": cut_chars(printable(title, keep_newlines=False),
                                            MAX_ANNOTATION_TITLE)}
    if loc.column > 0:  # single-line annotations only (start_line == end_line above)
        note["start_column"] = note["end_column"] = loc.column
    details = _details(finding)
    if details:
        note["raw_details"] = cut_bytes(details, MAX_ANNOTATION_TEXT)
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
