"""QA: the summary comment's record of threads closed as fixed reads back, stays bounded,
and cannot be forged into an early end of the HTML comment."""

from __future__ import annotations

from validator.model import Report
from validator.scm import markers
from validator.scm.github import payloads
from validator.scm.outcome import Outcome, no_lines


def test_closed_fingerprints_round_trip_and_stay_bounded() -> None:
    many = {f"{i:016x}" for i in range(5_000)}
    marker = markers.closed_marker(many | {"bad-->x y"})
    read = markers.closed_fingerprints("text\n" + marker)
    assert len(read) == markers.MAX_CLOSED
    assert read <= many
    assert markers.closed_fingerprints("no marker") == set()


def test_the_summary_comment_keeps_the_record_within_githubs_limit() -> None:
    outcome = Outcome(report=Report(findings=(), resources=0, files=0), blocking=False,
                      markdown="x" * 200_000 + "\n", change=None, head_lines=no_lines)
    closed = {f"{i:016x}" for i in range(2_000)}
    body = payloads.summary_comment(outcome, "gv", (), closed)
    assert len(body) <= payloads.MAX_COMMENT_CHARS
    assert markers.is_summary(body, "gv")
    assert len(markers.closed_fingerprints(body)) == markers.MAX_CLOSED
