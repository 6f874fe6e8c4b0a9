"""GitLab webhook payloads for the intake tests, from the shared examples in
``../shared/gitlab/webhooks/`` with the fields the app reads substituted.

(tests/support/gitlab_events.py, owned by the GitLab test server, builds payloads with a
server's real ids and SHAs; these are for the pure and web tests that need no server.)
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

WEBHOOKS = Path(__file__).resolve().parents[2] / ".." / "shared" / "gitlab" / "webhooks"
HEAD = "a" * 40
OLD = "b" * 40


@cache
def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEBHOOKS / name).read_text(encoding="utf-8"))
    return data


def merge_request(action: str = "open", *, project: str = "platform/infra/deploy", project_id: int = 14,
                  iid: int = 7, head: str = HEAD, oldrev: str | None = None, draft: bool = False,
                  state: str = "opened", source_project_id: int | None = None,
                  changes: dict[str, Any] | None = None, legacy_draft: bool = False) -> dict[str, Any]:
    """A ``Merge Request Hook`` body (``merge_request.docs-example.json`` shaped)."""
    payload = copy.deepcopy(_example("merge_request.docs-example.json"))
    url = f"http://gitlab.example/{project}.git"
    payload["project"].update(id=project_id, path_with_namespace=project, git_http_url=url)
    attrs = payload["object_attributes"]
    attrs.update(action=action, iid=iid, state=state, target_project_id=project_id,
                 source_project_id=source_project_id or project_id, source_branch="feature",
                 target_branch="main")
    attrs["last_commit"]["id"] = head
    if legacy_draft:  # GitLab before `draft`: only work_in_progress
        del attrs["draft"]
        attrs["work_in_progress"] = draft
    else:
        attrs["draft"] = attrs["work_in_progress"] = draft
    if oldrev is not None:
        attrs["oldrev"] = oldrev
    payload["changes"] = changes if changes is not None else {}
    return payload


def note(text: str, *, project: str = "platform/infra/deploy", project_id: int = 14, iid: int = 7,
         head: str = HEAD, noteable_type: str = "MergeRequest", state: str = "opened",
         system: bool = False) -> dict[str, Any]:
    """A ``Note Hook`` body on a merge request (``note_merge_request.json`` shaped)."""
    payload = copy.deepcopy(_example("note_merge_request.json"))
    url = f"http://gitlab.example/{project}.git"
    payload["project_id"] = project_id
    payload["project"].update(id=project_id, path_with_namespace=project, git_http_url=url)
    payload["object_attributes"].update(note=text, noteable_type=noteable_type, system=system)
    mr = payload["merge_request"]
    mr.update(iid=iid, state=state, target_project_id=project_id, source_project_id=project_id,
              source_branch="feature", target_branch="main")
    mr["last_commit"]["id"] = head
    return payload


def example(name: str) -> dict[str, Any]:
    """A shared example as it is (``push.json``, ``pipeline.json``)."""
    return copy.deepcopy(_example(name))


def from_server(srv: Any, project_id: int, iid: int, action: str = "open", *,
                oldrev: str | None = None) -> dict[str, Any]:
    """A ``Merge Request Hook`` body for the test server's merge request as it is now: the
    project's path and clone URL and the merge request's head as GitLab would send them."""
    project, mr = srv.project(project_id), srv.merge_request(project_id, iid)
    payload = merge_request(action, project=project["path_with_namespace"], project_id=project_id,
                            iid=iid, head=mr["sha"], oldrev=oldrev, draft=mr["draft"], state=mr["state"])
    payload["project"]["git_http_url"] = project["http_url_to_repo"]
    payload["object_attributes"].update(source_branch=mr["source_branch"], target_branch=mr["target_branch"])
    return payload
