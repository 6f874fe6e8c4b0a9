"""The GitHub payload builders: pure functions of an Outcome, checked without a server."""

from __future__ import annotations

import pytest

from tests.scm.github.findings import HEAD, change, finding, outcome, report
from validator.change.block import Block
from validator.model import Finding, FindingStatus, Fix, Severity
from validator.scm import markers
from validator.scm.github import payloads


def test_conclusion_is_failure_when_blocking_or_failed_and_never_neutral() -> None:
    rep = report(finding())
    assert payloads.conclusion(outcome(rep, blocking=True)) == "failure"
    assert payloads.conclusion(outcome(rep, error="opa crashed")) == "failure"
    assert payloads.conclusion(outcome(rep)) == "success"
    assert payloads.conclusion(outcome(report())) == "success"


def test_title_counts_new_existing_and_fixed_findings_of_a_compared_run() -> None:
    rep = report(finding(line=1), finding(line=2, name="db"),
                 finding(line=5, status=FindingStatus.EXISTING, severity=Severity.WARNING),
                 fixed=[finding(status=FindingStatus.FIXED, name="old")])
    assert payloads.check_title(outcome(rep)) == "2 new findings, 1 existing, 1 fixed"


def test_title_of_a_full_check_counts_severities() -> None:
    rep = report(finding(line=1, status=None), finding(line=2, status=None, name="x"),
                 finding(line=4, status=None, severity=Severity.WARNING), compared=False)
    assert payloads.check_title(outcome(rep)) == "3 findings: 2 errors, 1 warning"
    assert payloads.check_title(outcome(report(compared=False))) == "No findings"


def test_title_of_a_failed_run_says_so_on_one_line_within_limits() -> None:
    title = payloads.check_title(outcome(report(), error="boom\n" + "x" * 1000))
    assert title.startswith("The validator failed: boom")
    assert "\n" not in title
    assert len(title) <= 255


def test_summary_of_a_failed_run_carries_the_error() -> None:
    summary = payloads.check_summary(outcome(report(), error="helm: exit status 1"))
    assert "helm: exit status 1" in summary
    assert "failed" in summary.lower()


def test_summary_is_cut_to_65535_utf8_bytes_with_a_notice_and_closed_fence() -> None:
    markdown = "## findings\n\n```diff\n" + "".join(f"+ ünïcødé line {i} ✓\n" for i in range(20_000))
    summary = payloads.check_summary(outcome(report(), markdown=markdown))
    assert len(summary.encode("utf-8")) <= 65_535
    assert "truncated" in summary
    assert summary.count("```") % 2 == 0, "a cut inside a fenced block closes the fence"
    assert summary.index("truncated") > summary.rindex("```"), "the notice is outside the fence"


def test_summary_that_fits_is_unchanged() -> None:
    assert payloads.check_summary(outcome(report(), markdown="## all good\n")) == "## all good\n"


def test_annotations_cover_every_finding_with_a_line() -> None:
    rep = report(finding(line=3, severity=Severity.ERROR),
                 finding(line=7, severity=Severity.WARNING, name="b"),
                 finding(line=9, severity=Severity.INFO, name="c", column=5),
                 finding(line=0, name="whole-file"))
    notes = payloads.check_annotations(rep)
    assert [(a["path"], a["start_line"], a["end_line"], a["annotation_level"]) for a in notes] == [
        ("apps/web.yaml", 3, 3, "failure"), ("apps/web.yaml", 7, 7, "warning"),
        ("apps/web.yaml", 9, 9, "notice")]
    assert "start_column" not in notes[0]
    assert "end_column" not in notes[0]
    assert (notes[2]["start_column"], notes[2]["end_column"]) == (5, 5)
    assert "privileged container" in str(notes[0]["message"])
    assert "K8S-001" in str(notes[0]["title"])


def test_annotations_do_not_include_fixed_findings() -> None:
    rep = report(fixed=[finding(status=FindingStatus.FIXED)])
    assert payloads.check_annotations(rep) == ()


def test_annotation_texts_stay_within_githubs_limits() -> None:
    long = finding(message="é" * 70_000, title="t" * 400)
    (note,) = payloads.check_annotations(report(long))
    assert len(str(note["message"]).encode("utf-8")) <= 64 * 1024
    assert len(str(note["title"])) <= 255
    assert len(str(note.get("raw_details", "")).encode("utf-8")) <= 64 * 1024


def test_annotation_paths_are_repository_relative_posix() -> None:
    (note,) = payloads.check_annotations(report(finding(path="./apps/web.yaml")))
    assert note["path"] == "apps/web.yaml"


def test_annotations_come_in_batches_of_50() -> None:
    notes = payloads.check_annotations(report(*(finding(line=i, name=f"n{i}") for i in range(1, 121))))
    assert [len(batch) for batch in payloads.batches(notes)] == [50, 50, 20]
    assert payloads.batches(()) == [()]


def test_review_comments_only_on_commentable_lines_on_the_right_side() -> None:
    rep = report(finding(line=3), finding(line=20, name="outside"),
                 finding(path="other.yaml", line=3, name="not-changed"),
                 finding(path="gone.yaml", line=1, name="deleted"))
    chg = change({"apps/web.yaml": [(1, 5), (30, 31)]}, deleted=["gone.yaml"])
    comments = payloads.review_comments(outcome(rep, chg=chg), already=frozenset(), limit=20)
    assert [(c.path, c.line) for c in comments] == [("apps/web.yaml", 3)]
    assert comments[0].payload() == {"path": "apps/web.yaml", "line": 3, "side": "RIGHT",
                                     "body": comments[0].body}


def test_review_comments_carry_rule_message_help_link_and_marker() -> None:
    item = finding(help_uri="https://example.com/k8s-001", message="run as @root <b>")
    (comment,) = payloads.review_comments(
        outcome(report(item), chg=change({"apps/web.yaml": [(1, 5)]})), already=frozenset(), limit=5)
    assert "K8S-001" in comment.body
    assert "https://example.com/k8s-001" in comment.body
    assert "@root" not in comment.body, "manifest text pings nobody"
    assert "<b>" not in comment.body, "manifest text opens no tag"
    assert markers.finding_fingerprint(comment.body) == item.fingerprint == comment.fingerprint


def test_review_comments_put_new_findings_first_and_stop_at_the_limit() -> None:
    rep = report(finding(line=1, status=FindingStatus.EXISTING, name="e1"),
                 finding(line=2, name="n1"), finding(line=3, name="n2"), finding(line=4, name="n3"))
    comments = payloads.review_comments(
        outcome(rep, chg=change({"apps/web.yaml": [(1, 10)]}), block=Block.ALL), already=frozenset(),
        limit=3)
    assert [c.line for c in comments] == [2, 3, 4]


def test_review_comments_are_for_what_blocks_existing_findings_only_under_block_all() -> None:
    """A context line of the hunk carries a finding already on the base branch: under
    ``--block new`` it is the summary's and the annotations' business, not the author's."""
    rep = report(finding(line=1, status=FindingStatus.EXISTING, name="e1"), finding(line=2, name="n1"))
    chg = change({"apps/web.yaml": [(1, 10)]})
    new_only = payloads.review_comments(outcome(rep, chg=chg), already=frozenset(), limit=9)
    assert [c.line for c in new_only] == [2]
    every = payloads.review_comments(outcome(rep, chg=chg, block=Block.ALL), already=frozenset(), limit=9)
    assert [c.line for c in every] == [2, 1]


def test_review_comments_skip_findings_already_commented() -> None:
    kept, new = finding(line=2, name="kept"), finding(line=3, name="new")
    comments = payloads.review_comments(
        outcome(report(kept, new), chg=change({"apps/web.yaml": [(1, 10)]})),
        already=frozenset({kept.fingerprint}), limit=1)
    assert [c.fingerprint for c in comments] == [new.fingerprint]


def test_no_review_comments_without_a_change() -> None:
    assert payloads.review_comments(outcome(report(finding())), already=frozenset(), limit=9) == ()


def test_summary_comment_is_the_markdown_with_its_marker_and_problems() -> None:
    body = payloads.summary_comment(outcome(report(), markdown="## 2 new findings\n"), "gv",
                                    problems=("review comment on apps/web.yaml:3 rejected (422)",))
    assert body.startswith("## 2 new findings\n")
    assert "apps/web.yaml:3" in body
    assert markers.is_summary(body, "gv")
    assert not markers.is_summary(body, "other")


def test_summary_comment_stays_within_githubs_comment_limit() -> None:
    body = payloads.summary_comment(outcome(report(), markdown="x" * 70_000 + "\n"), "gv")
    assert len(body) <= 65_536
    assert len(body.encode("utf-8")) <= 65_536
    assert markers.is_summary(body, "gv"), "the marker survives the cut"


def test_fixed_reply_names_the_commit_and_is_recognised() -> None:
    reply = payloads.fixed_reply("0123456789abcdef", HEAD)
    assert HEAD[:12] in reply
    assert markers.fixed_fingerprint(reply) == "0123456789abcdef"
    assert markers.finding_fingerprint(reply) is None, "a reply is not a finding comment"


@pytest.mark.parametrize("name", ["gitops-validator", "a --> b", "two\nlines"])
def test_summary_marker_round_trips(name: str) -> None:
    assert markers.is_summary("text\n" + markers.summary_marker(name), name)


PRIVILEGED = ["spec:", "  containers:", "    - name: web", "      securityContext:",
              "        privileged: true  # needed?"]


def _privileged(line: int = 5) -> Finding:
    return finding(line=line, field="privileged",
                   fix=Fix(value=False, description="do not run privileged"))


def test_a_declared_fix_becomes_a_suggestion_block_for_the_line() -> None:
    (comment,) = payloads.review_comments(
        outcome(report(_privileged()), chg=change({"apps/web.yaml": [(1, 5)]}),
                lines={"apps/web.yaml": PRIVILEGED}), already=frozenset(), limit=5)
    assert "```suggestion\n        privileged: false  # needed?\n```" in comment.body
    assert comment.body.index("```suggestion") < comment.body.index("<!-- gitops-validator:finding")


def test_no_suggestion_without_a_fix_or_the_heads_lines() -> None:
    no_fix = finding(line=5, field="privileged")
    for item, lines in ((no_fix, {"apps/web.yaml": PRIVILEGED}), (_privileged(), {})):
        (comment,) = payloads.review_comments(
            outcome(report(item), chg=change({"apps/web.yaml": [(1, 5)]}), lines=lines),
            already=frozenset(), limit=5)
        assert "suggestion" not in comment.body


def test_no_suggestion_when_the_line_does_not_hold_the_field() -> None:
    (comment,) = payloads.review_comments(
        outcome(report(_privileged(line=4)), chg=change({"apps/web.yaml": [(1, 5)]}),
                lines={"apps/web.yaml": PRIVILEGED}), already=frozenset(), limit=5)
    assert "```suggestion" not in comment.body
