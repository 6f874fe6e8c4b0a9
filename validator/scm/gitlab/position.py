"""Where a discussion goes in a merge request's diff: GitLab's ``position``, built without I/O.

GitLab anchors a diff discussion by the merge request's ``diff_refs`` (``base_sha``,
``start_sha``, ``head_sha``) and a line: ``new_line`` alone for an added line, ``old_line``
and ``new_line`` both for an unchanged (context) line, ``old_path`` and ``new_path`` always
(the same path unless the file was renamed). Any other shape is refused with
``400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"]}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validator.change.model import FileChange

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
        raise NotImplementedError


def position(refs: DiffRefs, change: FileChange, line: int) -> dict[str, Any] | None:
    """The ``position`` of a discussion on head ``line`` of ``change``; None when the line is
    not inside the diff (such a finding goes to the summary note)."""
    raise NotImplementedError
