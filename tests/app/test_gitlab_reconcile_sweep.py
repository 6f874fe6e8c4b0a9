"""GitLab reconciliation against the GitLab API test server: every open merge request of the
projects the token's user develops whose head lacks a final status of this app (set by that
user) is enqueued, and only those; drafts, dry runs, bounds and failing parts as on GitHub."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.change.gitrepo import GitRepo
from tests.support.gitlab_api import GitLabApiServer
from validator.app.backends import open_sqlite_queue
from validator.app.gitlab_reconcile import reconcile_gitlab
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.queue.sqlite import SqliteBackend
from validator.app.reconcile import PullAction, ReconcileReport
from validator.app.reconcile_all import gitlab_session, reconcile_all
from validator.app.settings import AppSettings, Drafts
from validator.scm.gitlab.client import GitLabSession

CHECK = "gitops-validator"
CI_TOKEN = "ci-job-token"
APP_TOKEN = "glpat-reconcile-app"


def _queued(queue: SqliteBackend) -> list[JobSpec]:
    jobs = []
    while (leased := queue.lease("test")) is not None:
        jobs.append(leased.job)
    return jobs


def _status(srv: GitLabApiServer, token: str, project_id: int, sha: str, state: str) -> None:
    """A commit status named ``CHECK`` set with ``token`` (the app's, or a CI job's)."""
    answer = requests.post(f"{srv.api_url}/projects/{project_id}/statuses/{sha}",
                           headers={"PRIVATE-TOKEN": token}, json={"state": state, "name": CHECK},
                           timeout=30)
    assert answer.status_code in (200, 201), answer.text


@dataclass(frozen=True, kw_only=True)
class Scene:
    srv: GitLabApiServer
    settings: AppSettings
    projects: dict[str, int]
    heads: dict[str, str]
    """``group/project!iid`` -> head SHA."""
    queue: SqliteBackend

    def session(self) -> GitLabSession:
        return GitLabSession(self.srv.url, self.settings.gitlab_token)


def _project(srv: GitLabApiServer, root: Path, path: str, iids: int) -> tuple[int, GitRepo, list[str]]:
    """``path`` served from a real repository with ``iids`` merge requests, each from its own
    branch off ``main``; the project id, the repository and the branches."""
    git = GitRepo.init(root / path.replace("/", "-"))
    git.write("apps/config.yaml", f"project: {path}\n")
    base = git.commit("base")
    branches = []
    for number in range(1, iids + 1):
        branch = f"mr-{number}"
        git.git("checkout", "-q", "-b", branch, base)
        git.write("apps/config.yaml", f"project: {path}\nchange: {number}\n")
        git.commit(f"change {number}")
        branches.append(branch)
    git.git("checkout", "-q", "main")
    return srv.add_project(path, git.root), git, branches


def _head(srv: GitLabApiServer, project_id: int, iid: int) -> str:
    answer = requests.get(f"{srv.api_url}/projects/{project_id}/merge_requests/{iid}",
                          headers={"PRIVATE-TOKEN": srv.token}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["sha"])


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    """Two projects the app's user develops and one it does not:

    ops/alpha!1 final status of ours (up to date)      ops/beta!1 a CI job's success, same name
    ops/alpha!2 no status                              ops/beta!2 our status still running
    ops/alpha!3 draft                                  ops/beta!3 ours canceled
    ops/alpha!4 our final status on an older head      other/gamma!1 (not the app's project)
    """
    with GitLabApiServer() as srv:
        alpha, alpha_git, _ = _project(srv, tmp_path, "ops/alpha", 4)
        beta, _, _ = _project(srv, tmp_path, "ops/beta", 3)
        gamma, _, _ = _project(srv, tmp_path, "other/gamma", 1)
        for project, count in ((alpha, 4), (beta, 3), (gamma, 1)):
            for number in range(1, count + 1):
                srv.add_merge_request(project, source_branch=f"mr-{number}", target_branch="main",
                                      title=f"change {number}", draft=(project, number) == (alpha, 3))
        srv.add_token(APP_TOKEN, bot=True, write=True, projects=[alpha, beta])
        srv.add_token(CI_TOKEN, bot=False, write=True, projects=[beta])
        heads = {f"{path}!{iid}": _head(srv, pid, iid)
                 for path, pid, count in (("ops/alpha", alpha, 4), ("ops/beta", beta, 3)) for iid in
                 range(1, count + 1)}
        _status(srv, APP_TOKEN, alpha, heads["ops/alpha!1"], "success")
        _status(srv, APP_TOKEN, alpha, heads["ops/alpha!4"], "failed")
        alpha_git.git("checkout", "-q", "mr-4")
        alpha_git.write("apps/config.yaml", "project: ops/alpha\nchange: 4\npushed: again\n")
        alpha_git.commit("a push")
        alpha_git.git("checkout", "-q", "main")
        srv.refresh_merge_request(alpha, 4)
        heads["ops/alpha!4"] = _head(srv, alpha, 4)
        _status(srv, CI_TOKEN, beta, heads["ops/beta!1"], "success")
        _status(srv, APP_TOKEN, beta, heads["ops/beta!2"], "running")
        _status(srv, APP_TOKEN, beta, heads["ops/beta!3"], "canceled")
        settings = AppSettings(gitlab_url=srv.url, gitlab_token=APP_TOKEN, gitlab_webhook_secret="s",
                               data_dir=tmp_path / "data", check_name=CHECK)
        queue = open_sqlite_queue(settings)
        try:
            yield Scene(srv=srv, settings=settings, projects={"ops/alpha": alpha, "ops/beta": beta},
                        heads=heads, queue=queue)
        finally:
            queue.close()


def _pulls(report: ReconcileReport, action: PullAction) -> list[str]:
    return sorted(p.name for p in report.pulls if p.action is action)


MISSING = ["ops/alpha!2", "ops/alpha!4", "ops/beta!1", "ops/beta!2", "ops/beta!3"]


def _sweep(scene: Scene, settings: AppSettings | None = None, *, dry_run: bool = False) -> ReconcileReport:
    session = scene.session()
    try:
        return reconcile_gitlab(session, scene.queue, settings or scene.settings, dry_run=dry_run)
    finally:
        session.close()


def test_exactly_the_heads_without_a_final_status_of_this_app_are_enqueued(scene: Scene) -> None:
    report = _sweep(scene)
    jobs = _queued(scene.queue)
    assert sorted(f"{j.repository}!{j.pull_number}" for j in jobs) == MISSING
    for job in jobs:
        name = f"{job.repository}!{job.pull_number}"
        assert job.head_sha == scene.heads[name]
        assert (job.kind, job.platform, job.installation_id) == (JobKind.PULL_REQUEST, Platform.GITLAB, 0)
        assert job.project_id == scene.projects[job.repository]
        assert job.clone_url == scene.srv.clone_url(job.project_id)
        assert (job.head_ref, job.base_ref, job.base_sha) == (f"mr-{job.pull_number}", "main", "")
        assert (job.event, job.delivery[:17], job.rerun) == ("reconcile", "reconcile-gitlab-", False)
        assert job.lane == f"gitlab:{name}"
    assert report.projects == 2
    assert _pulls(report, PullAction.ENQUEUED) == MISSING
    assert _pulls(report, PullAction.UP_TO_DATE) == ["ops/alpha!1"]
    assert _pulls(report, PullAction.DRAFT_SKIPPED) == ["ops/alpha!3"]
    assert (report.errors, report.limits_reached) == ((), ())
    assert scene.srv.violations == []


def test_a_second_sweep_while_queued_enqueues_nothing_new_and_drafts_follow_the_setting(scene: Scene) -> None:
    _sweep(scene)
    again = _sweep(scene, dataclasses.replace(scene.settings, drafts=Drafts.CHECK))
    assert scene.queue.depth() == len(MISSING) + 1
    assert _pulls(again, PullAction.ALREADY_QUEUED) == MISSING
    assert _pulls(again, PullAction.ENQUEUED) == ["ops/alpha!3"]


def test_a_dry_run_enqueues_nothing_and_says_what_it_would(scene: Scene) -> None:
    report = _sweep(scene, dry_run=True)
    assert scene.queue.depth() == 0
    assert _pulls(report, PullAction.WOULD_ENQUEUE) == MISSING


def test_a_failing_project_is_reported_and_the_sweep_goes_on(scene: Scene) -> None:
    beta = scene.projects["ops/beta"]
    scene.srv.faults.fail("GET", rf"/projects/{beta}/merge_requests$", 403, times=100,
                          body={"message": "403 Forbidden"})
    report = _sweep(scene)
    assert sorted(f"{j.repository}!{j.pull_number}" for j in _queued(scene.queue)) == [
        "ops/alpha!2", "ops/alpha!4"]
    assert [(e.where, "HTTP 403" in e.message) for e in report.errors] == [("ops/beta", True)]


def test_a_sweep_is_bounded_and_says_so(scene: Scene) -> None:
    report = _sweep(scene, dataclasses.replace(scene.settings, reconcile_max_pulls=2))
    assert len(report.pulls) == 2
    assert report.limits_reached == ("GitLab merge requests: 2 per sweep",)
    report = _sweep(scene, dataclasses.replace(scene.settings, reconcile_max_repositories=1))
    assert report.projects == 1
    assert len({p.repository for p in report.pulls}) == 1
    assert report.limits_reached == ("GitLab projects: 1 per sweep",)


def test_a_rate_limit_ends_the_sweep_at_once(scene: Scene) -> None:
    scene.srv.faults.rate_limit("GET", r"/merge_requests$", times=100, retry_after=3600)
    report = _sweep(scene)
    assert scene.queue.depth() == 0
    assert [e.where for e in report.errors] in (["ops/alpha"], ["ops/beta"])
    assert report.errors[0].message.endswith(
        "(the sweep stops here: every further call would fail the same way)")
    assert [r.status for r in scene.srv.requests if _path(r).endswith("/merge_requests")] == [429]


def test_one_round_sweeps_both_platforms_and_gitlab_alone(scene: Scene) -> None:
    """``reconcile_all`` on a GitLab-only app: no GitHub call, GitLab's sweep with its own session."""
    opened: list[GitLabSession] = []

    def session(settings: AppSettings) -> GitLabSession:
        opened.append(gitlab_session(settings))
        return opened[-1]

    report = reconcile_all(scene.settings, scene.queue, auth=None, open_gitlab=session)
    assert len(opened) == 1
    assert _pulls(report, PullAction.ENQUEUED) == MISSING
    assert (report.installations, report.repositories, report.projects) == (0, 0, 2)


def _path(request: Any) -> str:
    return str(request.path).split("?", 1)[0]
