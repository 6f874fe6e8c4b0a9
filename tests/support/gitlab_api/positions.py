"""GitLab's rules for a diff note's ``position`` on a merge request, against the real diff.

A text position names the MR's diff version (``base_sha``, ``start_sha``, ``head_sha``: here
they must be the MR's current ``diff_refs``), the file (``old_path`` and ``new_path``) and
the line: ``new_line`` alone for an added line, ``old_line`` alone for a removed line, both
for an unchanged line shown in the diff (and they must be the same line). GitLab derives a
``line_code`` from that; when none matches, the note is refused with 400 and
``Note {:line_code=>["can't be blank", "must be a valid line code"]}``
(https://docs.gitlab.com/api/discussions/#create-a-new-thread-in-the-merge-request-diff).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from tests.support.gitlab_api.gitrepo import FileDiff
from tests.support.gitlab_api.state import MergeRequest

LINE_CODE_MESSAGE = ("400 Bad request - Note {:line_code=>[\"can't be blank\", "
                     "\"must be a valid line code\"]}")


def position_problem(mr: MergeRequest, position: Mapping[str, Any]) -> str | None:
    """Why GitLab would refuse ``position`` on ``mr`` (None: it is accepted)."""
    if position.get("position_type") != "text":
        return f"position_type {position.get('position_type')!r} is not modelled by the test server"
    refs = (position.get("base_sha"), position.get("start_sha"), position.get("head_sha"))
    if refs != (mr.base_sha, mr.start_sha, mr.head_sha):
        return f"SHAs {refs} are not the MR's current diff_refs {mr.diff_refs}"
    old_path, new_path = position.get("old_path"), position.get("new_path")
    if not old_path or not new_path:
        return "old_path and new_path are both required"
    found = next((f for f in mr.diff if f.old_path == old_path and f.new_path == new_path), None)
    if found is None:
        return f"{old_path} -> {new_path} is not a file of the MR's diff"
    return _line_problem(found, position.get("old_line"), position.get("new_line"))


def _line_problem(found: FileDiff, old_line: int | None, new_line: int | None) -> str | None:
    """The line rules: new only = added, old only = removed, both = the same unchanged line."""
    new_path, old_path = found.new_path, found.old_path
    if new_line is not None and old_line is None:
        return None if new_line in found.added else f"{new_path}:{new_line} is not an added line"
    if old_line is not None and new_line is None:
        return None if old_line in found.removed else f"{old_path}:{old_line} is not a removed line"
    if old_line is None or new_line is None:
        return "neither old_line nor new_line"
    if found.context.get(new_line) != old_line:
        return f"{new_path}:{new_line} / {old_path}:{old_line} is not an unchanged line of the diff"
    return None


def line_code(position: Mapping[str, Any]) -> str:
    """GitLab's ``<sha1 of the path>_<old>_<new>`` line code."""
    path_hash = hashlib.sha1(str(position.get("new_path") or position.get("old_path")).encode(),
                             usedforsecurity=False).hexdigest()
    return f"{path_hash}_{position.get('old_line') or 0}_{position.get('new_line') or 0}"
