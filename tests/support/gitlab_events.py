"""GitLab webhook deliveries for the tests, derived from GitLab's real payloads.

Each builder starts from a payload in ``../shared/gitlab/webhooks/`` (``merge_request.json``,
``note_merge_request.json``, ``push.json``) and substitutes what the app reads with the test
server's real values (project id, path, URLs, the MR's iid, branches and head SHA) so that a
delivery names objects the :class:`~tests.support.gitlab_api.GitLabApiServer` serves. A URL
instead of a server builds the same payloads with placeholder SHAs (intake tests that need no
API). The result keeps the shared payload's shape: every key of the example is still there and
only the keys GitLab documents on top (``draft``, ``prepared_at``, ``oldrev``) are added
(:func:`shape_problems`).

:func:`send_gitlab` posts a payload as GitLab does
(https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers):
``X-Gitlab-Event``, ``X-Gitlab-Token`` (the secret, compared by the receiver), ``X-Gitlab-Event-UUID``
and ``Idempotency-Key`` (the same on a redelivery), ``X-Gitlab-Webhook-UUID``, ``X-Gitlab-Instance``
and ``User-Agent: GitLab/<version>``.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
import uuid as uuid_module
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.github_api.contract import shared_dir
from tests.support.gitlab_api import GitLabApiServer

Payload = dict[str, Any]
MERGE_REQUEST_HOOK = "Merge Request Hook"
NOTE_HOOK = "Note Hook"
PUSH_HOOK = "Push Hook"
MERGE_REQUEST_ACTIONS = ("open", "close", "reopen", "update", "approved", "unapproved", "approval",
                         "unapproval", "merge")
GITLAB_VERSION = "17.6.0"
DOCUMENTED_EXTRA_KEYS = {"object_attributes": frozenset({"draft", "prepared_at", "oldrev"})}
"""Keys GitLab sends that the shared example lacks (see ``merge_request.docs-example.json`` and
https://docs.gitlab.com/user/project/integrations/webhook_events/#merge-request-events)."""
_FAKE_HEAD = "b" * 40


def webhooks_dir() -> Path:
    return shared_dir() / "gitlab" / "webhooks"


@cache
def _template_text(name: str) -> str:
    return (webhooks_dir() / name).read_text()


def template(name: str) -> Payload:
    """A fresh copy of a shared payload (``merge_request.json`` ...)."""
    loaded: Payload = json.loads(_template_text(name))
    return loaded


def _facts(source: GitLabApiServer | str, project_id: int, iid: int | None, **given: Any) -> dict[str, Any]:
    """The values substituted into a payload: the server's, else ``given`` and placeholders."""
    if isinstance(source, GitLabApiServer):
        project = source.project(project_id)
        facts: dict[str, Any] = {"root": source.url, "path": project["path_with_namespace"],
                                 "default_branch": project["default_branch"]}
        if iid is not None:
            mr = source.merge_request(project_id, iid)
            facts.update(head_sha=mr["sha"], source_branch=mr["source_branch"],
                         target_branch=mr["target_branch"], title=mr["title"], mr_id=mr["id"],
                         state=mr["state"], draft=mr["draft"])
    else:
        facts = {"root": source.rstrip("/"), "path": "group/app", "default_branch": "main",
                 "head_sha": _FAKE_HEAD, "source_branch": "feature", "target_branch": "main",
                 "title": "Change", "mr_id": 10_000 + (iid or 0), "state": "opened", "draft": False}
    facts.update({key: value for key, value in given.items() if value is not None})
    return facts


def _project(facts: dict[str, Any], project_id: int, shape: Payload) -> Payload:
    """``shape`` (a payload's project object) describing the test's project."""
    web = f"{facts['root']}/{facts['path']}"
    host = facts["root"].split("://", 1)[-1]
    namespace, _, name = facts["path"].rpartition("/")
    out = {**shape, "name": name, "description": "", "web_url": web, "avatar_url": None,
           "git_ssh_url": f"git@{host}:{facts['path']}.git", "git_http_url": f"{web}.git",
           "namespace": namespace, "path_with_namespace": facts["path"],
           "default_branch": facts["default_branch"], "homepage": web, "url": f"{web}.git",
           "ssh_url": f"git@{host}:{facts['path']}.git", "http_url": f"{web}.git"}
    if "id" in shape:
        out["id"] = project_id
    return out


def _repository(facts: dict[str, Any], shape: Payload) -> Payload:
    web = f"{facts['root']}/{facts['path']}"
    out = {**shape, "name": facts["path"].rsplit("/", 1)[-1], "url": f"{web}.git", "homepage": web}
    for key, value in (("git_http_url", f"{web}.git"), ("git_ssh_url", f"git@host:{facts['path']}.git")):
        if key in shape:
            out[key] = value
    return out


def _last_commit(facts: dict[str, Any], shape: Payload) -> Payload:
    return {**shape, "id": facts["head_sha"],
            "url": f"{facts['root']}/{facts['path']}/-/commit/{facts['head_sha']}"}


def _merge_request_attributes(facts: dict[str, Any], project_id: int, iid: int, shape: Payload) -> Payload:
    attributes = copy.deepcopy(shape)
    project = _project(facts, project_id, attributes["source"])
    attributes.update(id=facts["mr_id"], iid=iid, title=facts["title"], state=facts["state"],
                      source_branch=facts["source_branch"], target_branch=facts["target_branch"],
                      source_project_id=project_id, target_project_id=project_id,
                      source=project, target=copy.deepcopy(project),
                      last_commit=_last_commit(facts, attributes["last_commit"]),
                      work_in_progress=facts["draft"])
    attributes["draft"] = facts["draft"]
    if "url" in shape:
        attributes["url"] = f"{facts['root']}/{facts['path']}/-/merge_requests/{iid}"
    return attributes


def merge_request_event(source: GitLabApiServer | str, project_id: int, iid: int, *, action: str = "open",
                        oldrev: str | None = None, draft: bool | None = None, state: str | None = None,
                        head_sha: str | None = None, changes: Payload | None = None,
                        path: str | None = None) -> Payload:
    """A ``Merge Request Hook`` payload for MR ``iid`` of ``project_id``.

    ``action``: GitLab's (``open``, ``reopen``, ``update``, ``close``, ``merge`` ...); ``oldrev``:
    the previous head, present on an ``update`` that pushed new commits; ``draft`` and ``state``
    default to the server's MR; ``changes`` defaults to what GitLab reports for the action."""
    if action not in MERGE_REQUEST_ACTIONS:
        raise ValueError(f"unknown merge request action {action!r}; GitLab's: {MERGE_REQUEST_ACTIONS}")
    facts = _facts(source, project_id, iid, draft=draft, state=state, head_sha=head_sha, path=path)
    payload = template("merge_request.json")
    payload["project"] = _project(facts, project_id, payload["project"])
    payload["repository"] = _repository(facts, payload["repository"])
    attributes = _merge_request_attributes(facts, project_id, iid, payload["object_attributes"])
    attributes["action"] = action
    if oldrev is not None:
        attributes["oldrev"] = oldrev
    payload["object_attributes"] = attributes
    payload["changes"] = changes if changes is not None else _default_changes(action, oldrev)
    _check("merge_request.json", payload)
    return payload


def _default_changes(action: str, oldrev: str | None) -> Payload:
    stamp = {"previous": "2026-01-01 00:00:00 UTC", "current": "2026-01-01 00:01:00 UTC"}
    if action == "update" and oldrev is not None:
        return {"updated_at": stamp}
    if action in ("close", "reopen", "merge"):
        return {"state_id": {"previous": 1, "current": {"close": 2, "merge": 3, "reopen": 1}[action]},
                "updated_at": stamp}
    return {}


def note_event(source: GitLabApiServer | str, project_id: int, iid: int, *, note: str = "/validate",
               note_id: int = 1244, path: str | None = None) -> Payload:
    """A ``Note Hook`` payload: a comment ``note`` on MR ``iid``."""
    facts = _facts(source, project_id, iid, path=path)
    payload = template("note_merge_request.json")
    payload["project_id"] = project_id
    payload["project"] = _project(facts, project_id, payload["project"])
    payload["repository"] = _repository(facts, payload["repository"])
    mr_url = f"{facts['root']}/{facts['path']}/-/merge_requests/{iid}"
    payload["object_attributes"].update(id=note_id, note=note, project_id=project_id,
                                        noteable_id=facts["mr_id"], url=f"{mr_url}#note_{note_id}")
    mr = _merge_request_attributes(facts, project_id, iid, payload["merge_request"])
    del mr["draft"]  # the note payload's merge_request has work_in_progress only
    payload["merge_request"] = mr
    _check("note_merge_request.json", payload)
    return payload


def push_event(source: GitLabApiServer | str, project_id: int, *, ref: str, after: str,
               before: str = "0" * 40, path: str | None = None) -> Payload:
    """A ``Push Hook`` payload: ``ref`` (``refs/heads/feature``) moved from ``before`` to ``after``."""
    facts = _facts(source, project_id, None, path=path)
    payload = template("push.json")
    payload.update(before=before, after=after, ref=ref, checkout_sha=after, project_id=project_id,
                   total_commits_count=1)
    payload["project"] = _project(facts, project_id, payload["project"])
    payload["repository"] = _repository(facts, payload["repository"])
    commit = payload["commits"][0]
    payload["commits"] = [{**commit, "id": after, "url": f"{facts['root']}/{facts['path']}/-/commit/{after}"}]
    _check("push.json", payload)
    return payload


def shape_problems(name: str, payload: Payload) -> list[str]:
    """Keys of the shared payload ``name`` that ``payload`` lost, and keys it added beyond
    :data:`DOCUMENTED_EXTRA_KEYS` (nested objects compared too; lists by their first item)."""
    return _compare(template(name), payload, "")


def _compare(shape: Any, value: Any, where: str) -> list[str]:
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where or '(root)'}: object expected"]
        allowed = DOCUMENTED_EXTRA_KEYS.get(where.rsplit(".", 1)[-1], frozenset())
        problems = [f"{where}.{key}: missing" for key in shape if key not in value]
        problems += [f"{where}.{key}: not in the shared payload" for key in value
                     if key not in shape and key not in allowed]
        for key in shape:
            if key in value and key != "changes":
                problems += _compare(shape[key], value[key], f"{where}.{key}" if where else key)
        return problems
    if isinstance(shape, list) and shape and isinstance(value, list) and value:
        return _compare(shape[0], value[0], f"{where}[0]")
    return []


def _check(name: str, payload: Payload) -> None:
    problems = shape_problems(name, payload)
    if problems:
        raise ValueError(f"derived payload no longer has the shape of {name}: {problems[:5]}")


def send_gitlab(url: str, event_name: str, payload: Payload, *, token: str | None,
                uuid: str | None = None, instance: str = "http://127.0.0.1",
                timeout: float = 30.0) -> tuple[int, str]:
    """POST ``payload`` to ``url`` as GitLab delivers a webhook; ``(status, body text)``.

    ``token``: the hook's secret token (None: no ``X-Gitlab-Token`` header); ``uuid``: the
    event's UUID, reused as ``Idempotency-Key`` (pass the same one to model a redelivery)."""
    event_uuid = uuid or str(uuid_module.uuid4())
    headers = {"Content-Type": "application/json", "X-Gitlab-Event": event_name,
               "X-Gitlab-Event-UUID": event_uuid, "Idempotency-Key": event_uuid,
               "X-Gitlab-Webhook-UUID": "5d6a0d5e-4a4c-4f37-9d36-6a1f1b6c0e11",
               "X-Gitlab-Instance": instance, "User-Agent": f"GitLab/{GITLAB_VERSION}"}
    if token is not None:
        headers["X-Gitlab-Token"] = token
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers,  # noqa: S310
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return int(err.code), err.read().decode("utf-8", "replace")
