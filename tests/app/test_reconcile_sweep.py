"""Reconciliation against the GitHub API test server: every open pull request of every
installation whose head lacks a completed check run of this app is enqueued, and only those."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app.reconcile_scene import CHECK, pull_requests, shared_key
from tests.support.github_api import GitHubApiServer
from validator.app.backends import open_sqlite_queue
from validator.app.github_app import AppAuth
from validator.app.model import JobKind, JobSpec
from validator.app.queue.sqlite import SqliteBackend
from validator.app.reconcile import PullAction, ReconcileReport, reconcile
from validator.app.settings import AppSettings, Drafts
from validator.scm.github.client import connect

APP_ID = 11


def _queued(queue: SqliteBackend) -> list[JobSpec]:
    """Every job in the queue, oldest first (leased, as a worker would take them)."""
    jobs = []
    while (leased := queue.lease("test")) is not None:
        jobs.append(leased.job)
    return jobs


@dataclass(frozen=True, kw_only=True)
class Scene:
    gh: GitHubApiServer
    auth: AppAuth
    settings: AppSettings
    heads: dict[str, tuple[str, str]]
    """``repo#number`` -> (base, head) SHAs."""
    queue: SqliteBackend
    """The embedded queue in the test's data folder."""


def _run(auth: AppAuth, installation_id: int, repository: str, head: str, **fields: str) -> None:
    """A check run of this app (made with the installation's token, as the worker makes them)."""
    auth.installation_session(installation_id).post(f"/repos/{repository}/check-runs",
                                                     {"name": CHECK, "head_sha": head, **fields})


@pytest.fixture
def scene(github_api: GitHubApiServer, tmp_path: Path) -> Iterator[Scene]:
    """Two installations, three repositories, pull requests with and without completed runs:

    alpha#1 completed run of ours (up to date)    beta#5 completed run of another app, same name
    alpha#2 no run                                 beta#6 our run still in progress
    alpha#3 draft                                  gamma#7 our completed run is on an older head
    alpha#4 closed                                 gamma#8 our run ended cancelled
    """
    gh = github_api
    heads = {**pull_requests(gh, tmp_path, "octo-org/alpha", [1, 2, 3, 4]),
             **pull_requests(gh, tmp_path, "octo-org/beta", [5, 6]),
             **pull_requests(gh, tmp_path, "other-org/gamma", [7, 8, 9])}
    app = gh.add_app(app_id=APP_ID, private_key=shared_key())
    permissions = {"checks": "write", "pull_requests": "write", "contents": "read", "metadata": "read"}
    gh.add_installation(APP_ID, installation_id=1, repositories=["octo-org/alpha", "octo-org/beta"],
                        permissions=permissions)
    gh.add_installation(APP_ID, installation_id=2, repositories=["other-org/gamma"], permissions=permissions)
    other = gh.add_app(app_id=99, private_key=shared_key())
    gh.add_installation(other.app_id, installation_id=3, repositories=["other-org/gamma"],
                        permissions=permissions)
    with gh.state.lock:
        gh.state.pull_requests[("octo-org/alpha", 3)].draft = True
        gh.state.pull_requests[("octo-org/alpha", 4)].state = "closed"
    settings = AppSettings(app_id=APP_ID, private_key=app.private_key, webhook_secret="s", api_url=gh.url,
                           data_dir=tmp_path / "data", check_name=CHECK)
    auth = AppAuth(settings)
    _run(auth, 1, "octo-org/alpha", heads["octo-org/alpha#1"][1], conclusion="success")
    gh.add_token("actions", write=True)  # GitHub Actions' run of a workflow with the same name
    connect(gh.url, "actions").post("/repos/octo-org/beta/check-runs",
                                    {"name": CHECK, "head_sha": heads["octo-org/beta#5"][1],
                                     "conclusion": "success"})
    _run(auth, 1, "octo-org/beta", heads["octo-org/beta#6"][1], status="in_progress")
    _run(auth, 2, "other-org/gamma", heads["other-org/gamma#7"][1], conclusion="failure")
    gh.update_pull_request("other-org/gamma", 7, head_sha=heads["other-org/gamma#9"][1])  # a push
    heads["other-org/gamma#7"] = (heads["other-org/gamma#7"][0], heads["other-org/gamma#9"][1])
    with gh.state.lock:
        gh.state.pull_requests[("other-org/gamma", 9)].state = "closed"
    _run(auth, 2, "other-org/gamma", heads["other-org/gamma#8"][1], conclusion="cancelled")
    queue = open_sqlite_queue(settings)
    yield Scene(gh=gh, auth=auth, settings=settings, heads=heads, queue=queue)
    queue.close()


def _pulls(report: ReconcileReport, action: PullAction) -> list[str]:
    return sorted(f"{p.repository}#{p.number}" for p in report.pulls if p.action is action)


MISSING = ["octo-org/alpha#2", "octo-org/beta#5", "octo-org/beta#6", "other-org/gamma#7", "other-org/gamma#8"]


def test_exactly_the_heads_without_a_completed_run_of_this_app_are_enqueued(scene: Scene) -> None:
    report = reconcile(scene.auth, scene.queue, scene.settings)
    jobs = _queued(scene.queue)
    assert sorted(f"{j.repository}#{j.pull_number}" for j in jobs) == MISSING
    for job in jobs:
        key = f"{job.repository}#{job.pull_number}"
        assert (job.base_sha, job.head_sha) == scene.heads[key]
        assert job.kind is JobKind.PULL_REQUEST
        assert job.installation_id == (2 if job.repository.startswith("other-org/") else 1)
        assert job.clone_url.endswith(f"/{job.repository}.git")
        assert (job.head_ref, job.base_ref) == (f"pr-{job.pull_number}", "main")
        assert (job.event, job.delivery[:10], job.rerun) == ("reconcile", "reconcile-", False)
    assert (report.installations, report.repositories) == (2, 3)
    assert _pulls(report, PullAction.ENQUEUED) == MISSING
    assert _pulls(report, PullAction.UP_TO_DATE) == ["octo-org/alpha#1"]
    assert _pulls(report, PullAction.DRAFT_SKIPPED) == ["octo-org/alpha#3"]
    assert (report.errors, report.limits_reached) == ((), ())


def test_a_second_sweep_while_the_jobs_are_queued_enqueues_nothing_new(scene: Scene) -> None:
    reconcile(scene.auth, scene.queue, scene.settings)
    again = reconcile(scene.auth, scene.queue, scene.settings)
    assert scene.queue.depth() == len(MISSING)
    assert _pulls(again, PullAction.ALREADY_QUEUED) == MISSING


def test_drafts_are_enqueued_when_the_setting_checks_them(scene: Scene) -> None:
    reconcile(scene.auth, scene.queue, dataclasses.replace(scene.settings, drafts=Drafts.CHECK))
    assert "octo-org/alpha#3" in [f"{j.repository}#{j.pull_number}" for j in _queued(scene.queue)]


def test_a_dry_run_enqueues_nothing_and_says_what_it_would(scene: Scene) -> None:
    report = reconcile(scene.auth, scene.queue, scene.settings, dry_run=True)
    assert scene.queue.depth() == 0
    assert _pulls(report, PullAction.WOULD_ENQUEUE) == MISSING


def test_a_failing_repository_is_reported_and_the_sweep_goes_on(scene: Scene) -> None:
    scene.gh.faults.add(method="GET", path=r"/repos/octo-org/beta/pulls$", status=403, times=None,
                        body={"message": "Resource not accessible by integration"})
    report = reconcile(scene.auth, scene.queue, scene.settings)
    assert sorted(f"{j.repository}#{j.pull_number}" for j in _queued(scene.queue)) == [
        "octo-org/alpha#2", "other-org/gamma#7", "other-org/gamma#8"]
    assert [(e.where, "HTTP 403" in e.message) for e in report.errors] == [("octo-org/beta", True)]


def test_a_failing_installation_is_reported_and_the_others_are_swept(scene: Scene) -> None:
    scene.gh.faults.add(method="POST", path=r"/app/installations/1/access_tokens", status=404, times=None)
    fresh = AppAuth(scene.settings)  # no token cached yet (the scene's auth minted one already)
    report = reconcile(fresh, scene.queue, scene.settings)
    assert sorted(f"{j.repository}#{j.pull_number}" for j in _queued(scene.queue)) == [
        "other-org/gamma#7", "other-org/gamma#8"]
    assert [e.where for e in report.errors] == ["installation 1"]


def test_a_sweep_is_bounded_and_says_so(scene: Scene) -> None:
    few_pulls = dataclasses.replace(scene.settings, reconcile_max_pulls=2)
    report = reconcile(scene.auth, scene.queue, few_pulls)
    assert len(report.pulls) == 2
    assert report.limits_reached == ("pull requests: 2 per sweep",)
    one_repository = dataclasses.replace(scene.settings, reconcile_max_repositories=1)
    report = reconcile(scene.auth, scene.queue, one_repository)
    assert report.repositories == 1
    assert {p.repository for p in report.pulls} == {"octo-org/alpha"}
    assert report.limits_reached == ("repositories: 1 per sweep",)


def test_a_rate_limit_ends_the_sweep_at_once(scene: Scene) -> None:
    scene.gh.faults.secondary_rate_limit(method="GET", path=r"/repos/octo-org/alpha/pulls$", retry_after=3600,
                                         times=None)
    before = len(scene.gh.requests)
    report = reconcile(scene.auth, scene.queue, scene.settings)
    assert scene.queue.depth() == 0
    assert [e.where for e in report.errors] == ["octo-org/alpha"]
    assert "asks to wait 3600 s" in report.errors[0].message
    assert report.errors[0].message.endswith(
        "(the sweep stops here: every further call would fail the same way)")
    assert [r.path for r in scene.gh.requests[before:] if "/repos/" in r.path] == [
        "/repos/octo-org/alpha/pulls"]


def test_an_unavailable_queue_ends_the_sweep_and_is_reported(scene: Scene) -> None:
    path = scene.settings.data_dir / "queue.sqlite3"
    impatient = SqliteBackend(path, lease_seconds=60, max_attempts=3, busy_timeout=0.2)
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("BEGIN EXCLUSIVE")  # holds the write lock: the queue cannot be written
    try:
        report = reconcile(scene.auth, impatient, scene.settings)
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
        impatient.close()
    assert [e.where for e in report.errors] == ["octo-org/alpha#2"]
    assert "database is locked" in report.errors[0].message
    assert report.errors[0].message.endswith(
        "(the sweep stops here: every further call would fail the same way)")
    assert [(p.number, p.action) for p in report.pulls] == [(3, PullAction.DRAFT_SKIPPED)]  # then #2 failed
