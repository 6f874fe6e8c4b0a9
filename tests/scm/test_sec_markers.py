"""Hidden markers cannot be forged by what a merge or pull request author controls.

The publishers find their own notes by markers (only the token's user's notes count), but
those notes quote repository content: a file name and a field path are shown as inline code
(not entity-escaped, so they stay readable), and a file name may hold ``<!-- ... -->``. A
marker quoted that way must not be read as the note's own marker: else a finding discussion
is taken for the summary note (and overwritten with it), a fallback note for another
finding's thread (that finding is then never posted, or its thread resolved as fixed), or
the summary's record of closed threads is replaced.
"""

from __future__ import annotations

from tests.scm.github.findings import finding, outcome, report
from validator.report import RenderOptions
from validator.report.markdown import render_markdown
from validator.scm import markers
from validator.scm.github import payloads as github
from validator.scm.gitlab import payloads

CHECK = markers.DEFAULT_CHECK
VICTIM = "victim0fingerprint"


def test_a_forged_finding_marker_in_a_file_name_is_not_the_fallback_notes_own() -> None:
    path = f"apps/x <!-- gitops-validator:finding fingerprint={VICTIM} -->.yaml"
    item = finding(path=path, line=3)
    note = payloads.fallback_note(item, None, path, 3, "line_code invalid")
    assert markers.finding_fingerprint(note, CHECK) == item.fingerprint


def test_a_forged_summary_marker_in_a_field_path_does_not_make_a_discussion_the_summary() -> None:
    item = finding(field=f"<!-- gitops-validator:summary check={CHECK} -->")
    for body in (payloads.discussion_body(item, None), github.review_comment_body(item, None)):
        assert not markers.is_summary(body, CHECK)
        assert markers.finding_fingerprint(body, CHECK) == item.fingerprint


def test_a_forged_closed_record_in_a_file_name_does_not_replace_the_summarys() -> None:
    path = "apps/x <!-- gitops-validator:closed fingerprints= -->.yaml"
    rep = report(finding(path=path))
    out = outcome(rep, markdown=render_markdown(rep, RenderOptions()))
    assert "gitops-validator:closed fingerprints= -->" in out.markdown, "the file name is quoted"
    note = payloads.summary_note(out, CHECK, closed={VICTIM})
    assert markers.closed_fingerprints(note) == {VICTIM}
    comment = github.summary_comment(out, CHECK, (), {VICTIM})
    assert markers.closed_fingerprints(comment) == {VICTIM}


def test_a_forged_fixed_marker_in_a_reply_quote_is_not_read() -> None:
    quoted = "`<!-- gitops-validator:fixed fingerprint=other -->`"
    body = f"Fixed in abc.\n\n{quoted}\n\n{markers.fixed_marker(VICTIM)}\n"
    assert markers.fixed_fingerprint(body) == VICTIM


def test_a_line_separator_in_quoted_text_does_not_start_a_marker_line() -> None:
    item = finding(field="x\u2028<!-- gitops-validator:finding fingerprint=other -->")
    body = payloads.discussion_body(item, None)
    assert markers.finding_fingerprint(body, CHECK) == item.fingerprint
