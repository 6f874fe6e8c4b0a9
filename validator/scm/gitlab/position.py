"""Where a discussion goes in a merge request's diff: GitLab's ``position``, built without I/O.

GitLab anchors a diff discussion by the merge request's ``diff_refs`` (``base_sha``,
``start_sha``, ``head_sha``) and a line: ``new_line`` alone for an added line, ``old_line``
and ``new_line`` both for an unchanged (context) line, ``old_path`` and ``new_path`` always
(the same path unless the file was renamed). Any other shape is refused with
``400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"]}``.
Documented at https://docs.gitlab.com/ee/api/discussions.html#create-a-new-thread-in-the-merge-request-diff
(parameters ``position[base_sha]``, ``[start_sha]``, ``[head_sha]``, ``[position_type]``,
``[old_path]``, ``[new_path]``, ``[old_line]``, ``[new_line]``); the line rules, which that
page leaves implicit, are discussed in https://gitlab.com/gitlab-org/gitlab/-/issues/35935.

A copied file is placed as an added one (GitLab's diffs detect renames, not copies): its
lines carry ``new_line`` alone and its own path on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validator.change.model import ChangeStatus, FileChange

__all__ = ["DiffRefs", "position"]


@dataclass(frozen=True, kw_only=True)
class DiffRefs:
    """A merge request's ``diff_refs`` (``GET /projects/:id/merge_requests/:iid``)."""

    base_sha: str
    """The merge base of the source and target branches: the diff's old side."""
    start_sha: str
    """The target branch's head when the diff was made."""
    head_sha: str
    """The source branch's head: the diff's new side."""

    @classmethod
    def from_api(cls, data: Any) -> DiffRefs:
        """From the ``diff_refs`` object of a merge request; ``ValueError`` when malformed."""
        if not isinstance(data, dict):
            raise ValueError(f"diff_refs is not an object: {type(data).__name__}")
        shas = {name: data.get(name) for name in ("base_sha", "start_sha", "head_sha")}
        bad = sorted(name for name, sha in shas.items() if not isinstance(sha, str) or not sha)
        if bad:
            raise ValueError(f"diff_refs lacks {', '.join(bad)}")
        return cls(base_sha=str(shas["base_sha"]), start_sha=str(shas["start_sha"]),
                   head_sha=str(shas["head_sha"]))


def position(refs: DiffRefs, change: FileChange, line: int) -> dict[str, Any] | None:
    """The ``position`` of a discussion on head ``line`` of ``change``; None when the line is
    not inside the diff (such a finding goes to the summary note)."""
    if not any(line in lines for lines in change.commentable):
        return None
    renamed = change.status is ChangeStatus.RENAMED and change.old_path
    old_line = None if change.status is ChangeStatus.COPIED else change.old_line(line)
    place: dict[str, Any] = {
        "base_sha": refs.base_sha, "start_sha": refs.start_sha, "head_sha": refs.head_sha,
        "position_type": "text", "old_path": change.old_path if renamed else change.path,
        "new_path": change.path}
    if old_line is not None:
        place["old_line"] = old_line
    place["new_line"] = line
    return place
