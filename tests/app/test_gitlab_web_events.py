"""decide_gitlab: which GitLab deliveries ask for a job, from the shared example payloads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app import gitlab_payloads as gl
from validator.app.gitlab_events import RERUN_COMMAND, decide_gitlab
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.settings import AppSettings, Drafts

SKIP = AppSettings(gitlab_token="t", gitlab_webhook_secret="s")
CHECK = AppSettings(gitlab_token="t", gitlab_webhook_secret="s", drafts=Drafts.CHECK)


def _one(event: str, payload: dict[str, Any], settings: AppSettings = SKIP) -> JobSpec:
    decision = decide_gitlab(event, payload, settings)
    assert not decision.malformed, decision.note
    (job,) = decision.jobs
    return job


def _none(event: str, payload: dict[str, Any], settings: AppSettings = SKIP) -> str:
    decision = decide_gitlab(event, payload, settings)
    assert not decision.malformed, decision.note
    assert decision.jobs == ()
    return decision.note


@pytest.mark.parametrize(("action", "oldrev"), [("open", None), ("reopen", None), ("update", gl.OLD)])
def test_open_reopen_and_new_commits_ask_for_a_job(action: str, oldrev: str | None) -> None:
    job = _one("Merge Request Hook", gl.merge_request(action, oldrev=oldrev))
    assert job == JobSpec(platform=Platform.GITLAB, kind=JobKind.PULL_REQUEST, installation_id=0,
                          project_id=14, repository="platform/infra/deploy",
                          clone_url="http://gitlab.example/platform/infra/deploy.git", head_sha=gl.HEAD,
                          pull_number=7, head_ref="feature", base_ref="main",
                          event=f"merge_request.{action}")
    assert job.lane == "gitlab:platform/infra/deploy!7"


def test_the_shared_example_asks_for_a_job() -> None:
    payload = gl.example("merge_request.json")
    payload["project"]["id"] = 14  # GitLab's fixture pairs unrelated ids; a real hook's project is the target
    job = _one("Merge Request Hook", payload)
    assert (job.project_id, job.pull_number) == (14, 1)
    assert job.head_sha == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"


@pytest.mark.parametrize("action", ["update", "close", "merge", "approved", "unapproved", "approval",
                                    "unapproval"])
def test_other_actions_and_updates_without_new_commits_are_ignored(action: str) -> None:
    note = _none("Merge Request Hook", gl.merge_request(action))
    assert f"merge_request.{action}" in note


def test_an_mr_that_is_not_open_is_ignored() -> None:
    assert "closed" in _none("Merge Request Hook", gl.merge_request("update", oldrev=gl.OLD, state="closed"))


@pytest.mark.parametrize("legacy", [False, True])
def test_drafts_follow_the_setting(legacy: bool) -> None:
    draft = gl.merge_request("open", draft=True, legacy_draft=legacy)
    assert "draft" in _none("Merge Request Hook", draft)
    assert _one("Merge Request Hook", draft, CHECK).event == "merge_request.open"
    pushed = gl.merge_request("update", oldrev=gl.OLD, draft=True, legacy_draft=legacy)
    assert "draft" in _none("Merge Request Hook", pushed)


@pytest.mark.parametrize("field", ["draft", "work_in_progress"])
def test_a_draft_marked_ready_runs_when_drafts_are_skipped(field: str) -> None:
    ready = gl.merge_request("update", changes={field: {"previous": True, "current": False}})
    assert _one("Merge Request Hook", ready).event == "merge_request.ready"
    # checked as a draft already: marking it ready is no new work
    assert "no new commits" in _none("Merge Request Hook", ready, CHECK)
    back = gl.merge_request("update", draft=True, changes={field: {"previous": False, "current": True}})
    assert _none("Merge Request Hook", back)


def test_a_fork_is_validated_in_the_target_project() -> None:
    job = _one("Merge Request Hook", gl.merge_request("open", source_project_id=99))
    assert job.project_id == 14
    assert job.clone_url == "http://gitlab.example/platform/infra/deploy.git"


@pytest.mark.parametrize(("edit", "path"), [
    (lambda p: p["object_attributes"]["last_commit"].update(id="nope"), "object_attributes.last_commit.id"),
    (lambda p: p["object_attributes"].pop("iid"), "object_attributes.iid"),
    (lambda p: p["project"].update(git_http_url="git@x:y.git"), "project.git_http_url"),
    (lambda p: p["project"].update(path_with_namespace="noslash"), "project.path_with_namespace"),
    (lambda p: p.update(object_attributes=[]), "object_attributes"),
    (lambda p: p["object_attributes"].pop("action"), "object_attributes.action"),
    (lambda p: p["object_attributes"].update(target_project_id="14"), "object_attributes.target_project_id"),
])
def test_a_malformed_merge_request_names_the_field(edit: Any, path: str) -> None:
    payload = gl.merge_request("open")
    edit(payload)
    decision = decide_gitlab("Merge Request Hook", payload, SKIP)
    assert decision.malformed
    assert decision.jobs == ()
    assert path in decision.note


@pytest.mark.parametrize(("event", "payload", "path"), [
    ("Merge Request Hook", gl.merge_request("open"), "object_attributes.target_project_id"),
    ("Note Hook", gl.note("/gitops-validator rerun"), "merge_request.target_project_id"),
])
def test_the_merge_request_must_belong_to_the_hooks_project(event: str, payload: dict[str, Any],
                                                            path: str) -> None:
    # the secret's scope is checked against project.path_with_namespace, the worker acts on the
    # project id: a payload may not pair one project's path with another project's merge request
    payload["project"]["id"] = 99
    decision = decide_gitlab(event, payload, SKIP)
    assert decision.malformed
    assert f"{path}: 14 is not the hook's project (project.id 99)" in decision.note


def test_the_rerun_command_asks_for_a_rerun() -> None:
    job = _one("Note Hook", gl.note(f"{RERUN_COMMAND}\n\nthe cluster was down"))
    assert job.rerun
    assert (job.project_id, job.pull_number, job.head_sha, job.event) == (14, 7, gl.HEAD, "note.rerun")
    assert job.platform is Platform.GITLAB


@pytest.mark.parametrize("payload", [
    gl.note("This MR needs work."), gl.note(f"please {RERUN_COMMAND}"),
    gl.note(RERUN_COMMAND, noteable_type="Issue"), gl.note(RERUN_COMMAND, state="merged"),
    gl.note(RERUN_COMMAND, system=True),
])
def test_other_comments_are_ignored(payload: dict[str, Any]) -> None:
    _none("Note Hook", payload)


@pytest.mark.parametrize(("event", "name"), [("Push Hook", "push.json"), ("Pipeline Hook", "pipeline.json"),
                                             ("System Hook", "push.json"), ("Tag Push Hook", "push.json")])
def test_every_other_event_is_acknowledged_without_jobs(event: str, name: str) -> None:
    assert "not an event the app acts on" in _none(event, gl.example(name))
