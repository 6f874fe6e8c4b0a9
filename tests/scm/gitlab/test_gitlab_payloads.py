"""GitLab's payload builders: pure functions of an Outcome, checked without a server."""

from __future__ import annotations

from tests.scm.github.findings import change, finding, outcome, report
from validator.model import FindingStatus, Fix
from validator.scm import markers
from validator.scm.github import payloads as github
from validator.scm.gitlab import payloads


def test_state_is_failed_when_blocking_or_broken_else_success() -> None:
    rep = report(finding())
    assert payloads.status_state(outcome(rep, blocking=True)) == "failed"
    assert payloads.status_state(outcome(rep, error="opa crashed")) == "failed"
    assert payloads.status_state(outcome(rep)) == "success"


def test_description_counts_and_stays_within_gitlab_limit() -> None:
    rep = report(finding(line=1), finding(line=2, name="db"),
                 fixed=[finding(status=FindingStatus.FIXED, name="old")])
    assert payloads.status_description(outcome(rep)) == "2 new findings, 0 existing, 1 fixed"
    long = payloads.status_description(outcome(report(), error="x" * 5000))
    assert len(long) <= payloads.MAX_DESCRIPTION_CHARS
    assert "\n" not in long


def test_discussion_body_is_the_shared_body_with_the_marker() -> None:
    item = finding(help_uri="https://example.com/K8S-001")
    body = payloads.discussion_body(item, None, check_name="policy")
    assert body == github.review_comment_body(item, None, check_name="policy")
    assert markers.finding_fingerprint(body, "policy") == item.fingerprint


def test_suggestion_uses_gitlab_one_line_range() -> None:
    item = finding(line=2, fix=Fix(value=False, description="Turn it off"))
    body = payloads.discussion_body(item, "```suggestion\nprivileged: false\n```")
    assert "```suggestion:-0+0\nprivileged: false\n```" in body
    fence = payloads.discussion_body(item, "````suggestion\na: `b`\n````")
    assert "````suggestion:-0+0\na: `b`\n````" in fence


def test_fallback_note_says_where_and_keeps_the_marker() -> None:
    item = finding(path="apps/web.yaml", line=9)
    note = payloads.fallback_note(item, None, "apps/web.yaml", 9, "line_code invalid")
    assert note.startswith("`apps/web.yaml` line 9")
    assert markers.finding_fingerprint(note) == item.fingerprint
    assert "suggestion" not in payloads.fallback_note(
        finding(fix=Fix(value=False)), "```suggestion\nx\n```", "a.yaml", 1, "refused")


def test_summary_lists_findings_outside_the_diff_and_rejected_positions() -> None:
    out = outcome(report(finding()), chg=change({"apps/web.yaml": [(1, 2)]}), markdown="## report\n")
    note = payloads.summary_note(out, "gitops-validator", outside=["apps/web.yaml:3 K8S-001"],
                                 problems=["apps/web.yaml:1 K8S-002: position refused"],
                                 closed={"abc"})
    assert "**Outside the diff:**\n\n- apps/web.yaml:3 K8S-001\n" in note
    assert "position refused" in note
    assert markers.is_summary(note, "gitops-validator")
    assert markers.closed_fingerprints(note) == {"abc"}


def test_summary_is_cut_to_gitlab_note_limit() -> None:
    markdown = "```\n" + "é" * 1_200_000 + "\n"
    note = payloads.summary_note(outcome(report(), markdown=markdown), "gitops-validator")
    assert len(note) <= payloads.MAX_NOTE_CHARS
    assert "GitLab" in note
    assert markers.is_summary(note, "gitops-validator")
