"""Which jobs a GitLab webhook delivery asks for: pure, no I/O (as :mod:`validator.app.events`).

``Merge Request Hook`` (https://docs.gitlab.com/user/project/integrations/webhook_events/#merge-request-events):
``open``, ``reopen`` and ``update`` with new commits (``object_attributes.oldrev`` is present
only when the source branch moved) of an opened merge request ask for one
:class:`~validator.app.model.JobSpec` with ``platform=gitlab``. An ``update`` without ``oldrev``
(title, labels, assignees, approvals) is ignored, except a draft marked ready
(``changes.draft`` or the older ``changes.work_in_progress`` going from true to false) while
drafts are skipped: that is when it is first validated. Drafts (``draft``, older GitLab
``work_in_progress``) follow ``GITOPS_VALIDATOR_DRAFTS``.

A merge request from a fork (``source_project_id`` differs) is validated in its target project:
GitLab keeps the source's commits there under ``refs/merge-requests/<iid>/head``, so the
target's clone URL serves the head SHA and the app's token needs no access to the fork.

``Note Hook``: a comment on an open merge request whose first line is :data:`RERUN_COMMAND`
asks for a re-run of its head (``rerun=True``: run even if the head has a status). GitLab sends
a Note Hook for every comment by anyone who may comment, so the job keeps the note's author
(``requested_by``) and the worker runs it only when they have the Developer role in the project
(:func:`validator.app.gitlab_job.may_rerun`), as GitHub lets only people with write access
re-run a check.

Every other event and action is acknowledged (2xx) without jobs: GitLab disables a hook that
fails repeatedly. A payload lacking a needed field is ``malformed`` with the field's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from validator.app.decisions import (
    Decision,
    Handler,
    MalformedError,
    decide_with,
    obj,
    positive_at,
    sha_at,
    text_at,
)
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.settings import AppSettings, Drafts

__all__ = ["GITLAB_EVENTS", "GITLAB_EVENT_LABELS", "RERUN_COMMAND", "RERUN_EVENT", "decide_gitlab"]

#: A merge request comment whose first line is this re-runs the validation of its head.
RERUN_COMMAND = "/gitops-validator rerun"
#: The job event of a rerun command (the worker runs it only for a Developer of the project).
RERUN_EVENT = "note.rerun"
_ACTIONS = frozenset({"open", "reopen", "update"})


def decide_gitlab(event: str, payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    """The jobs ``event`` (``X-Gitlab-Event``) with ``payload`` asks for under ``settings``."""
    return decide_with(GITLAB_EVENTS, event, payload, settings)


def project_path(payload: Mapping[str, Any]) -> str | None:
    """``project.path_with_namespace`` of any event that has one (the scope its webhook secret
    is checked against), else None."""
    project = payload.get("project")
    path = project.get("path_with_namespace") if isinstance(project, Mapping) else None
    return path if isinstance(path, str) and path else None


def _job(payload: Mapping[str, Any], mr_path: str, *, event: str, rerun: bool = False,
         requested_by: int = 0) -> JobSpec:
    """The job of the merge request at ``mr_path`` (``object_attributes`` or ``merge_request``)
    in the hook's project."""
    repository = text_at(payload, "project.path_with_namespace")
    if repository.count("/") < 1 or not all(repository.split("/")):
        raise MalformedError("project.path_with_namespace: expected group/project")
    clone_url = text_at(payload, "project.git_http_url")
    if not clone_url.startswith(("https://", "http://")):  # plain HTTP: the mirror decides on the token
        raise MalformedError("project.git_http_url: expected an http(s):// URL")
    project_id = positive_at(payload, f"{mr_path}.target_project_id")
    if project_id != positive_at(payload, "project.id"):
        # GitLab sends a merge request's hooks from its target project; a payload pairing one
        # project's path (what a per-scope secret is checked against) with another's merge
        # request (what the worker acts on by id) is refused
        raise MalformedError(f"{mr_path}.target_project_id: {project_id} is not the hook's project "
                              f"(project.id {payload['project']['id']})")
    return JobSpec(platform=Platform.GITLAB, kind=JobKind.PULL_REQUEST, installation_id=0,
                   project_id=project_id,
                   repository=repository, clone_url=clone_url,
                   head_sha=sha_at(payload, f"{mr_path}.last_commit.id"),
                   pull_number=positive_at(payload, f"{mr_path}.iid"),
                   head_ref=text_at(payload, f"{mr_path}.source_branch"),
                   base_ref=text_at(payload, f"{mr_path}.target_branch"), event=event, rerun=rerun,
                   requested_by=requested_by)


def _flag(data: Mapping[str, Any], *names: str) -> bool:
    """The first of ``names`` present (``draft``, then the older ``work_in_progress``)."""
    return next((data[name] is True for name in names if name in data), False)


def _marked_ready(payload: Mapping[str, Any]) -> bool:
    changes = payload.get("changes")
    if not isinstance(changes, Mapping):
        return False
    change = next((changes[n] for n in ("draft", "work_in_progress") if isinstance(changes.get(n), Mapping)),
                  None)
    return change is not None and change.get("previous") is True and change.get("current") is False


def _merge_request(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    attrs = obj(payload.get("object_attributes"), "object_attributes")
    action = text_at(payload, "object_attributes.action")
    name = f"merge_request.{action}"
    if action not in _ACTIONS:
        return Decision(jobs=(), note=f"{name}: not an action the app validates")
    state = text_at(payload, "object_attributes.state")
    iid = positive_at(payload, "object_attributes.iid")
    if state != "opened":
        return Decision(jobs=(), note=f"{name}: !{iid} is {state}")
    draft = _flag(attrs, "draft", "work_in_progress")
    pushed = action != "update" or attrs.get("oldrev") is not None
    ready = settings.drafts is Drafts.SKIP and not draft and _marked_ready(payload)
    if not pushed and not ready:
        return Decision(jobs=(), note=f"{name}: !{iid} has no new commits (no oldrev)")
    if draft and settings.drafts is Drafts.SKIP:
        return Decision(jobs=(), note=f"{name}: !{iid} is a draft (drafts: skip; it is validated "
                                      "once marked ready)")
    job = _job(payload, "object_attributes", event=name if pushed else "merge_request.ready")
    return Decision(jobs=(job,), note=f"{job.event}: {job.repository}!{iid} at {job.head_sha[:12]}")


def _note(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    kind = text_at(payload, "object_attributes.noteable_type")
    text = text_at(payload, "object_attributes.note", optional=True)
    command = text.strip().splitlines()[0].strip() if text.strip() else ""
    if kind != "MergeRequest" or command != RERUN_COMMAND:
        return Decision(jobs=(), note=f"note on a {kind}: not a command of the app")
    if obj(payload.get("object_attributes"), "object_attributes").get("system") is True:
        return Decision(jobs=(), note="note: a system note is not a command")
    iid = positive_at(payload, "merge_request.iid")
    state = text_at(payload, "merge_request.state")
    if state != "opened":
        return Decision(jobs=(), note=f"note.rerun: !{iid} is {state}")
    job = _job(payload, "merge_request", event=RERUN_EVENT, rerun=True,
               requested_by=positive_at(payload, "object_attributes.author_id"))
    return Decision(jobs=(job,), note=f"note.rerun: {job.repository}!{iid} at {job.head_sha[:12]}")


#: The ``X-Gitlab-Event`` values the app acts on (others are answered 2xx and ignored).
GITLAB_EVENTS: Mapping[str, Handler] = {
    "Merge Request Hook": _merge_request, "Note Hook": _note,
}

#: The GitLab events counted under their own name in the deliveries metric (any other
#: ``X-Gitlab-Event`` is ``other``: an unauthenticated header never makes a new series).
GITLAB_EVENT_LABELS = frozenset({
    *GITLAB_EVENTS, "Push Hook", "Tag Push Hook", "Pipeline Hook", "Job Hook", "Issue Hook",
    "Deployment Hook", "Release Hook", "System Hook", "Emoji Hook",
})
