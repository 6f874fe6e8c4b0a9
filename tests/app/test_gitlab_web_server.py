"""Intake's jobs against the GitLab test server: what a hook for a real merge request queues
names that merge request as GitLab's API (python-gitlab) and git over HTTP see it."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import gitlab

from tests.app import gitlab_payloads as gl
from tests.app.web_backend import MemoryBackend
from tests.gitlab_api.scene import commit_file, git, open_mr
from tests.support.gitlab_api import GitLabApiServer
from validator.app.intake import Intake
from validator.app.metrics import AppMetrics
from validator.app.model import JobSpec
from validator.app.settings import AppSettings

SECRET = "hook-secret"


def _deliver(intake: Intake, payload: dict[str, object], key: str) -> int:
    return intake.receive_gitlab({"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": SECRET,
                                  "Idempotency-Key": key}, json.dumps(payload).encode()).status


def _fetchable(job: JobSpec, token: str, into: Path) -> bool:
    """The worker's view: the head SHA can be fetched from the job's clone URL with the token
    in a header (never in the URL)."""
    basic = base64.b64encode(f"oauth2:{token}".encode()).decode()
    if not (into / "HEAD").exists():
        git(into, "init", "-q", "--bare")
    result = subprocess.run(["git", "-C", str(into), "-c", f"http.extraHeader=Authorization: Basic {basic}",
                             "fetch", "-q", job.clone_url, job.head_sha], capture_output=True, text=True,
                            check=False)
    return result.returncode == 0


def test_hooks_for_a_real_merge_request_queue_what_the_api_shows(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path, path="platform/infra/deploy")
        settings = AppSettings(gitlab_url=srv.url, gitlab_token=srv.token, gitlab_webhook_secret=SECRET)
        backend = MemoryBackend()
        intake = Intake(settings, backend, AppMetrics())
        assert _deliver(intake, gl.from_server(srv, scene.project_id, scene.iid), "k-1") == 202
        (opened,) = backend.queued.values()

        api = gitlab.Gitlab(srv.url, private_token=srv.token)
        project = api.projects.get(opened.project_id)
        assert opened.pull_number == scene.iid
        mr = project.mergerequests.get(scene.iid)
        assert project.path_with_namespace == opened.repository
        assert project.http_url_to_repo == opened.clone_url
        assert (mr.sha, mr.source_branch, mr.target_branch) == (opened.head_sha, opened.head_ref,
                                                                opened.base_ref)
        assert opened.lane == f"gitlab:platform/infra/deploy!{scene.iid}"
        mirror = tmp_path / "mirror.git"
        mirror.mkdir()
        assert _fetchable(opened, srv.token, mirror)

        # a push: GitLab sends update with oldrev; the new head is queued in the same lane
        git(scene.repo, "checkout", "-q", "feature")
        commit_file(scene.repo, "other.yaml", ["a: 1"], "more")
        srv.refresh_merge_request(scene.project_id, scene.iid)
        pushed = gl.from_server(srv, scene.project_id, scene.iid, "update", oldrev=opened.head_sha)
        assert _deliver(intake, pushed, "k-2") == 202
        assert _deliver(intake, pushed, "k-2") == 200  # redelivered: nothing more
        # a title edit: update without oldrev, nothing queued
        assert _deliver(intake, gl.from_server(srv, scene.project_id, scene.iid, "update"), "k-3") == 202
        assert len(backend.queued) == 2
        newer = next(job for job in backend.queued.values() if job != opened)
        assert newer.head_sha == project.mergerequests.get(scene.iid).sha != opened.head_sha
        assert backend.latest_head(newer.lane) == newer.head_sha
        assert _fetchable(newer, srv.token, mirror)
        assert srv.violations == []
