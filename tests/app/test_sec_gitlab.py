"""Security of the GitLab job against a holder of one team's webhook secret.

Per-scope secrets (``GITLAB_WEBHOOK_SECRETS_FILE``) are checked against the payload's
``project.path_with_namespace``; the worker acts on the payload's project *id*. Both come from
the sender, so the job must make sure the id it acts on is the project the secret was checked
against, before it reads content or writes anything (real GitLab API test server, real git).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.action.scenario import deployment
from tests.app.gitlab_job_support import Project
from tests.app.job_support import Evaluations, PushDuringJob
from tests.change.gitrepo import GitRepo
from tests.support.gitlab_api import GitLabApiServer
from tests.support.gitlab_events import merge_request_event, note_event
from validator.app.context import build_context
from validator.app.intake import Intake
from validator.app.job import JobResult, process, report_failure
from validator.app.metrics import AppMetrics
from validator.app.settings import AppSettings

SECRET_A, SECRET_B = "team-a-hook-secret", "team-b-hook-secret"


@pytest.fixture
def srv() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as server:
        yield server


def _repo(root: Path, name: str) -> GitRepo:
    origin = GitRepo.init(root / name)
    (origin.root / ".gitops-validator.yaml").write_text("settings:\n  policies: [builtin]\n")
    target = origin.root / "apps" / "web" / "deploy.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(deployment("web"))
    origin.git("add", "-A")
    origin.git("commit", "-q", "-m", "base")
    return origin


def _two_teams(srv: GitLabApiServer, tmp: Path) -> tuple[Project, Project]:
    """``team-a/x`` and ``team-b/y``, each with a privileged merge request; one secret per team."""
    settings = AppSettings(gitlab_url=srv.url, gitlab_token=srv.token, data_dir=tmp / "data",
                           gitlab_webhook_scopes=(("team-a", SECRET_A), ("team-b", SECRET_B)))
    projects = []
    for path in ("team-a/x", "team-b/y"):
        origin = _repo(tmp, path.replace("/", "-"))
        project = Project(srv=srv, origin=origin, project_id=srv.add_project(path, origin.root),
                          settings=settings)
        project.commit({"apps/web/deploy.yaml": deployment("web", privileged=True)})
        srv.add_merge_request(project.project_id, source_branch="feature", target_branch="main")
        projects.append(project)
    return projects[0], projects[1]


def _writes_to(srv: GitLabApiServer, project_id: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in srv.requests
            if r.method in {"POST", "PUT", "DELETE"} and r.path.startswith(f"/api/v4/projects/{project_id}/")]


def _reads_of_content(srv: GitLabApiServer, project: Project) -> list[str]:
    """git requests to the project's repository (its content fetched)."""
    path = project.clone_url.removeprefix(srv.url) + "/"
    return [f"{r.method} {r.path}" for r in srv.git_log.requests if r.path.startswith(path)]


def _deliver(settings: AppSettings, queue: PushDuringJob, payload: dict[str, Any], token: str, *,
             event: str = "Merge Request Hook") -> int:
    answer = Intake(settings, queue, AppMetrics()).receive_gitlab(
        {"X-Gitlab-Event": event, "X-Gitlab-Token": token,
         "X-Gitlab-Event-UUID": "uuid-forged", "Content-Type": "application/json"},
        json.dumps(payload).encode())
    return answer.status


@pytest.mark.parametrize(("target", "clone"), [("victim", "own"), ("victim", "victim"), ("own", "victim")])
def test_team_a_secret_cannot_make_the_job_act_on_team_b(
        tmp_path: Path, srv: GitLabApiServer, target: str, clone: str) -> None:
    """A delivery signed with team A's secret names team A's path (what the secret is checked
    against) but team B's project id and merge request (what the worker acts on), or B's clone
    URL (what the worker fetches): the job must neither fetch B's content nor write to B, and
    its poison report must not write to B either."""
    team_a, team_b = _two_teams(srv, tmp_path)
    acted_on = team_b if target == "victim" else team_a
    victim_mr = srv.merge_request(acted_on.project_id, 1)
    payload = merge_request_event(srv, acted_on.project_id, 1, action="open")
    payload["project"]["path_with_namespace"] = "team-a/x"
    payload["project"]["git_http_url"] = team_a.clone_url if clone == "own" else team_b.clone_url
    settings = team_a.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    queue = PushDuringJob(settings.data_dir / "queue.sqlite3")
    try:
        assert _deliver(settings, queue, payload, SECRET_B) == 401, "B's secret does not cover team-a/x"
        status = _deliver(settings, queue, payload, SECRET_A)
        leased = queue.lease("w") if status == 202 else None
        if leased is not None:
            assert leased.job.project_id == acted_on.project_id
            assert leased.job.head_sha == victim_mr["sha"]
            ctx = build_context(settings, queue, Evaluations(settings.data_dir / "evaluations.sqlite3"),
                                AppMetrics())
            with pytest.raises(Exception, match="team-a/x"):
                process(leased.job, ctx)
            report_failure(leased.job, ctx, "gave up", 3)  # the worker's poison report after retries
        assert _writes_to(srv, team_b.project_id) == []
        assert _reads_of_content(srv, team_b) == []
        assert _writes_to(srv, team_a.project_id) == []
    finally:
        queue.close()


@pytest.mark.parametrize(("role", "runs"), [(None, False), (10, False), (20, False), (30, True), (40, True)])
def test_a_rerun_command_runs_only_for_a_developer_of_the_project(
        tmp_path: Path, srv: GitLabApiServer, role: int | None, runs: bool) -> None:
    """GitLab sends a Note Hook for every comment, by anyone who may comment (on a public
    project: any signed-in user); each ``/gitops-validator rerun`` is a full validation and a
    new status. As GitHub lets only people with write access re-run a check, a note's
    author needs the Developer role (30) in the project: a guest (10), a reporter (20) or a
    non-member commenting costs one API read and changes nothing."""
    team_a, _ = _two_teams(srv, tmp_path)
    commenter = srv.add_token("glpat-commenter", bot=False, username="commenter")
    if role is not None:
        srv.add_member(team_a.project_id, commenter, role)
    payload = note_event(srv, team_a.project_id, 1, note="/gitops-validator rerun")
    payload["object_attributes"]["author_id"] = commenter.id
    payload["user"].update(id=commenter.id, username=commenter.username)
    settings = team_a.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    queue = PushDuringJob(settings.data_dir / "queue.sqlite3")
    try:
        assert _deliver(settings, queue, payload, SECRET_A, event="Note Hook") == 202
        leased = queue.lease("w")
        assert leased is not None
        ctx = build_context(settings, queue, Evaluations(settings.data_dir / "evaluations.sqlite3"),
                            AppMetrics())
        result = process(leased.job, ctx)
        assert (result is JobResult.COMPLETED) is runs, result
        assert bool(_writes_to(srv, team_a.project_id)) is runs
        assert bool(_reads_of_content(srv, team_a)) is runs
    finally:
        queue.close()


def test_a_delivery_key_is_burnt_only_by_a_delivery_its_sender_may_make(tmp_path: Path) -> None:
    """``Idempotency-Key`` is the sender's to choose. A request without the right secret, or
    with a secret that does not cover the project, records nothing; and a key used in team A's
    scope cannot suppress team B's delivery carrying the same key (a per-scope secret holder
    who learnt or guessed it)."""
    from tests.app import gitlab_payloads as gl  # noqa: PLC0415 (intake-only payloads)
    from validator.app.queue.sqlite import SqliteBackend  # noqa: PLC0415

    settings = AppSettings(gitlab_token="glpat-x", data_dir=tmp_path,
                           gitlab_webhook_scopes=(("team-a", SECRET_A), ("team-b", SECRET_B)))
    queue = SqliteBackend(tmp_path / "queue.sqlite3", lease_seconds=60.0, max_attempts=3)
    intake = Intake(settings, queue, AppMetrics())
    key = "5f0c8bfc-6b5a-4a3b-9c7e-4e8d2f1a0b9c"

    def send(project: str, token: str) -> int:
        payload = gl.merge_request("open", project=project)
        return intake.receive_gitlab({"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": token,
                                      "Idempotency-Key": key}, json.dumps(payload).encode()).status
    try:
        assert send("team-b/y", "not-a-secret") == 401
        assert send("team-b/y", SECRET_A) == 401  # A's secret, B's project
        assert send("team-a/x", SECRET_A) == 202  # A's own delivery, the same key
        assert send("team-b/y", SECRET_B) == 202, "B's genuine delivery is not a duplicate"
        assert send("team-b/y", SECRET_B) == 200  # its redelivery is
    finally:
        queue.close()
