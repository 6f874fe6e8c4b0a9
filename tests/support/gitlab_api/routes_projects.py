"""Handlers for the current user, projects, merge requests and commit statuses.

Commit statuses follow GitLab's ``Ci::CreateCommitStatusService``: a POST updates the
status of the same name and ref that is still ``pending`` or ``running``, else it creates a
new one; the requested state is reached by a state-machine event, and an event the current
state does not allow is 400 ``Cannot transition status via :<event> from :<state> ...``
(posting ``running`` twice, or ``pending`` twice). A finished status is never changed: the
next POST creates a new one, and the listing shows the latest per name unless ``all=true``
(https://docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.support.gitlab_api import gitrepo
from tests.support.gitlab_api.exchange import ApiError, Request, Response, not_found
from tests.support.gitlab_api.state import JSON, TIMESTAMP, Pipeline, Project

_ACTIVE = ("created", "pending", "running")
# event -> (states it leaves from, state it reaches); GitLab's CommitStatus state machine
_EVENTS = {
    "enqueue": (("created",), "pending"),
    "run": (("created", "pending"), "running"),
    "success": (("created", "pending", "running"), "success"),
    "drop": (("created", "pending", "running"), "failed"),
    "cancel": (("created", "pending", "running"), "canceled"),
    "skip": (("created", "pending"), "skipped"),
}
_EVENT_OF_STATE = {"pending": "enqueue", "running": "run", "success": "success", "failed": "drop",
                   "canceled": "cancel", "skipped": "skip"}


def get_current_user(request: Request) -> Response:
    return Response(body=request.token.user.json(request.state.root_url))


def list_projects(request: Request) -> Response:
    visible = [request.state.project_json(p) for p in sorted(request.state.projects.values(),
                                                               key=lambda p: -p.id)
               if request.token.sees(p.id)]
    return Response(body=visible, paginate=True)


def get_project(request: Request) -> Response:
    return Response(body=request.state.project_json(request.project()))


def get_project_member_all(request: Request) -> Response:
    """The user's membership with its access level (inherited included), or 404 ``Member``."""
    project = request.project()
    user_id = int(request.path_params["user_id"])
    level = request.state.members.get((project.id, user_id))
    user = request.state.users.get(user_id)
    if level is None or user is None:
        raise not_found("Member")
    return Response(body={**user.json(request.state.root_url), "state": "active", "access_level": level})


def list_merge_requests(request: Request) -> Response:
    project = request.project()
    state = request.params.get("state", "all")
    found = [mr for (pid, _), mr in request.state.merge_requests.items()
             if pid == project.id and state in ("all", mr.state)
             and request.params.get("source_branch", mr.source_branch) == mr.source_branch
             and request.params.get("target_branch", mr.target_branch) == mr.target_branch]
    found.sort(key=lambda mr: mr.iid, reverse=request.params.get("sort", "desc") == "desc")
    return Response(body=[request.state.merge_request_json(mr) for mr in found], paginate=True)


def get_merge_request(request: Request) -> Response:
    return Response(body=request.state.merge_request_json(request.merge_request()))


def set_commit_status(request: Request) -> Response:
    project = request.project()
    sha = _commit(project, request)
    params = request.params
    pipeline = _matching_pipeline(request, project.id, sha, params)
    ref = (params.get("ref") or (pipeline.ref if pipeline else None)
           or next(iter(gitrepo.branches_containing(project.repo, sha)), None))
    if ref is None:
        raise not_found("References for commit")
    if params.get("pipeline_id") is not None and pipeline is None:
        raise not_found("Pipeline for pipeline_id, sha and ref")
    _check_target_url(params)
    name = params.get("name") or params.get("context") or "default"
    statuses = request.state.statuses.setdefault((project.id, sha), [])
    status = next((s for s in reversed(statuses) if s["name"] == name and s["ref"] == ref
                   and s["status"] in ("pending", "running") and s["author"]["id"] == request.token.user.id),
                  None)
    current = status["status"] if status else "created"
    event = _EVENT_OF_STATE[params["state"]]
    if event == "run" and current == "created":
        current = "pending"  # GitLab enqueues first (quietly), then runs
    allowed, target = _EVENTS[event]
    if current not in allowed:
        raise ApiError(400, f"Cannot transition status via :{event} from :{current} "
                            f"(Reason(s): Status cannot transition via \"{event}\")")
    if status is None:
        status = {"id": request.state.next_id(), "sha": sha, "ref": ref, "name": name,
                  "author": request.token.user.json(request.state.root_url), "created_at": TIMESTAMP,
                  "started_at": None,
                  "finished_at": None, "allow_failure": False, "coverage": None,
                  "pipeline_id": (pipeline or _external_pipeline(request, project, sha, ref)).id}
        statuses.append(status)
    status.update({"status": target, "target_url": params.get("target_url", status.get("target_url")),
                   "description": params.get("description", status.get("description"))})
    if "coverage" in params:
        status["coverage"] = params["coverage"]
    if target == "running":
        status["started_at"] = TIMESTAMP
    if target not in _ACTIVE:
        status["finished_at"] = TIMESTAMP
    return Response(status=201, body=dict(status))


def _commit(project: Project, request: Request) -> str:
    """The full SHA of the ``:sha`` commit (a SHA, short SHA or ref), or 404."""
    sha = gitrepo.resolve_commit(project.repo, str(request.path_params["sha"]))
    if sha is None:
        raise not_found("Commit")
    return sha


def _matching_pipeline(request: Request, project_id: int, sha: str,
                       params: Mapping[str, Any]) -> Pipeline | None:
    """The newest pipeline of ``sha`` (for ``ref`` and ``pipeline_id`` when given), as GitLab
    picks the pipeline an external status joins."""
    found = [p for p in request.state.pipelines.values()
             if p.project_id == project_id and p.sha == sha
             and params.get("ref", p.ref) == p.ref and params.get("pipeline_id", p.id) == p.id]
    return max(found, key=lambda p: p.id, default=None)


def _external_pipeline(request: Request, project: Project, sha: str, ref: str) -> Pipeline:
    pipeline = Pipeline(id=request.state.next_id(), project_id=project.id, sha=sha, ref=ref)
    request.state.pipelines[pipeline.id] = pipeline
    return pipeline


_URL = re.compile(r"([a-z][a-z0-9+.-]*)://[^\s/$.?#][^\s]*", re.IGNORECASE)


def _check_target_url(params: Mapping[str, Any]) -> None:
    """GenericCommitStatus validates ``target_url`` (``addressable_url``, at most 255 characters,
    nil allowed but not ""): not a URL is ``must be a valid URL``, another scheme than http(s)
    is ``is blocked: Only allowed schemes are http, https`` (the URL blocker's wording)."""
    url = params.get("target_url")
    if url is None:
        return
    found = _URL.fullmatch(url.strip())
    problems = (["must be a valid URL"] if found is None
                else [] if found.group(1).lower() in ("http", "https")
                else ["is blocked: Only allowed schemes are http, https"])
    if len(url) > 255:
        problems.append("is too long (maximum is 255 characters)")
    if problems:
        raise ApiError(400, {"target_url": problems})


def list_commit_statuses(request: Request) -> Response:
    project = request.project()
    sha = _commit(project, request)
    items = list(request.state.statuses.get((project.id, sha), []))
    params = request.params
    if not params.get("all", False):
        latest: dict[tuple[str, str], JSON] = {}
        for status in items:
            latest[(status["name"], status["ref"])] = status
        items = list(latest.values())
    items = [s for s in items
             if all(params.get(key, s[key]) == s[key] for key in ("ref", "name", "pipeline_id"))]
    items.sort(key=lambda s: int(s["id"]), reverse=params.get("sort", "asc") == "desc")
    return Response(body=[dict(s) for s in items], paginate=True)
