"""Every body the GitLab publisher sends, built as a pure function of an :class:`Outcome`.

What GitLab shares with GitHub (the finding body with its hidden marker, the "fixed" reply,
the summary text and its Markdown cutting) comes from :mod:`validator.scm.comments`; this
module adds GitLab's states and limits:

- a commit status's ``state`` is ``success`` or ``failed`` at the end
  (https://docs.gitlab.com/ee/api/commits.html#set-the-pipeline-status-of-a-commit: states
  ``pending``, ``running``, ``success``, ``failed``, ``canceled``, ``skipped``); its
  ``description`` is kept to 255 characters, a conservative bound (GitLab stores it with the
  job's other short strings, and the merge request widget shows one line);
- a note's body is at most 1,000,000 characters (GitLab answers ``400 Note {:note=>["is too
  long (maximum is 1000000 characters)"]}`` beyond it);
- a suggestion block is written ```` ```suggestion:-0+0 ````, GitLab's explicit one-line range
  (https://docs.gitlab.com/ee/user/project/merge_requests/reviews/suggestions.html), so it
  replaces exactly the line the discussion sits on;
- a finding whose position GitLab refused is posted as a general note that says where it is,
  with the same marker (so the next run finds it and does not post it again) and without the
  suggestion (a general note cannot apply one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set

from validator.model import Finding
from validator.report.markdown import code
from validator.scm import comments, markers
from validator.scm.outcome import Outcome

__all__ = ["MAX_DESCRIPTION_CHARS", "MAX_NOTE_CHARS", "discussion_body", "fallback_note",
           "fixed_reply", "status_description", "status_state", "summary_note"]

#: GitLab's limit of a note's body (characters; the bytes are kept under it, never more).
MAX_NOTE_CHARS = 1_000_000
#: The longest commit status description sent.
MAX_DESCRIPTION_CHARS = 255
_SUGGESTION = re.compile(r"^(`{3,})suggestion\n", re.MULTILINE)

fixed_reply = comments.fixed_reply


def status_state(outcome: Outcome) -> str:
    """``failed`` when the run blocks or the validator failed, else ``success``."""
    return "failed" if outcome.blocking or outcome.error else "success"


def status_description(outcome: Outcome) -> str:
    """The status's one line: what was found, counted."""
    return comments.cut_chars(comments.headline(outcome), MAX_DESCRIPTION_CHARS)


def discussion_body(finding: Finding, suggestion: str | None = None, *,
                    check_name: str = markers.DEFAULT_CHECK) -> str:
    """The body of a positioned discussion: the shared finding body, its suggestion block in
    GitLab's one-line form, and the finding marker."""
    if suggestion is not None:
        suggestion = _SUGGESTION.sub(r"\1suggestion:-0+0\n", suggestion, count=1)
    return comments.finding_body(finding, suggestion, check_name=check_name)


def fallback_note(finding: Finding, suggestion: str | None, path: str, line: int, why: str, *,
                  check_name: str = markers.DEFAULT_CHECK) -> str:
    """A general note for a finding GitLab would not place on ``path`` ``line`` (``why``):
    where it is, then the finding body with its marker, without the suggestion."""
    del suggestion  # a general note cannot apply it
    where = f"{code(path)} line {line} (GitLab did not accept a discussion on this line: {why})"
    return where + "\n\n" + comments.finding_body(finding, None, check_name=check_name)


def summary_note(outcome: Outcome, check_name: str, *, outside: Sequence[str] = (),
                 problems: Sequence[str] = (), closed: Set[str] = frozenset()) -> str:
    """The merge request's one summary note, cut to GitLab's note size."""
    return comments.summary_body(
        outcome, check_name, problems, closed, outside=outside, max_bytes=MAX_NOTE_CHARS,
        notice="_Summary truncated at GitLab's note size limit: the full report is in the "
               "job log._\n")
