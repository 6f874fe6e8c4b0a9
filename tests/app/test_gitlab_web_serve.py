"""``gitops-validator serve`` as a GitLab-only, a GitHub-only and a two-platform app: a real
process on loopback answering POST /webhooks/gitlab."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.app import gitlab_payloads as gl
from tests.app.test_web_serve import DEADLINE, Served, _deliver, _depth, _request, _serve
from tests.gitlab_api.scene import commit_file, git, open_mr
from tests.support import gitlab_events as events
from tests.support.gitlab_api import GitLabApiServer

SECRET = "gl-hook-secret"
GH_SECRET = "webhook-secret"  # test_web_serve's _deliver signs with this one


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _base(tmp_path: Path) -> dict[str, str]:
    ours = ("GITHUB_", "GITLAB_", "GITOPS_VALIDATOR_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(GITOPS_VALIDATOR_TOOLS_DIR=os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", ""),
               GITOPS_VALIDATOR_DATA_DIR=str(tmp_path / "data"), GITOPS_VALIDATOR_RECONCILE_SECONDS="0")
    return env


GITLAB = {"GITLAB_URL": "http://127.0.0.1:9", "GITLAB_TOKEN": "glpat-serve-token",
          "GITLAB_WEBHOOK_SECRET": SECRET}


def _gitlab(url: str, payload: dict[str, object], *, token: str = SECRET,
            key: str = "k-1") -> tuple[int, str]:
    return _request(f"{url}/webhooks/gitlab", json.dumps(payload).encode(), {
        "X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": token, "Idempotency-Key": key,
        "X-Gitlab-Event-UUID": "u-1", "Content-Type": "application/json"})


def _stop(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(DEADLINE) == 0, "".join(served.stderr)


def test_a_gitlab_only_app_serves_without_github_variables(tmp_path: Path) -> None:
    with _serve({**_base(tmp_path), **GITLAB}, "--workers", "0") as served:
        assert _request(f"{served.url}/readyz") == (200, "ready\n")
        assert _gitlab(served.url, gl.merge_request("open"), token="wrong") == (
            401, "missing or wrong X-Gitlab-Token\n")
        assert _depth(served.url) == 0
        assert _gitlab(served.url, gl.merge_request("open"))[0] == 202
        assert _gitlab(served.url, gl.merge_request("open")) == (
            200, "duplicate delivery gitlab:platform/infra/deploy:k-1: already received\n")
        assert _depth(served.url) == 1
        assert _gitlab(served.url, gl.merge_request("close"), key="k-2")[0] == 202
        assert _deliver(served.url, "d-1")[0] == 404  # no GitHub endpoint
        _stop(served)
    log = "".join(served.stderr)
    assert "glpat-serve-token" not in log
    assert SECRET not in log


def test_a_github_only_app_has_no_gitlab_endpoint(tmp_path: Path, private_key: str) -> None:
    env = {**_base(tmp_path), "GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": private_key,
           "GITHUB_WEBHOOK_SECRET": GH_SECRET, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3"}
    with _serve(env, "--workers", "0") as served:
        assert _deliver(served.url, "d-1")[0] == 202
        assert _gitlab(served.url, gl.merge_request("open"))[0] == 404
        _stop(served)


def test_both_platforms_in_one_serve(tmp_path: Path, private_key: str) -> None:
    env = {**_base(tmp_path), **GITLAB, "GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": private_key,
           "GITHUB_WEBHOOK_SECRET": GH_SECRET, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3"}
    with _serve(env, "--workers", "0") as served:
        assert _deliver(served.url, "d-1")[0] == 202
        assert _gitlab(served.url, gl.merge_request("open"))[0] == 202
        assert _depth(served.url) == 2
        _stop(served)


def test_no_platform_stops_serve_with_one_problem(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "validator", "serve"], env=_base(tmp_path),
                            capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert result.returncode == 2
    assert "neither GitHub nor GitLab is configured: set GITHUB_APP_ID" in result.stderr


def test_deliveries_built_from_the_test_servers_merge_request(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path, path="platform/infra/deploy")
        env = {**_base(tmp_path), "GITLAB_URL": srv.url, "GITLAB_TOKEN": srv.token,
               "GITLAB_WEBHOOK_SECRET": SECRET}
        with _serve(env, "--workers", "0") as served:
            hook = f"{served.url}/webhooks/gitlab"
            opened = events.merge_request_event(srv, scene.project_id, scene.iid, action="open")
            assert events.send_gitlab(hook, "Merge Request Hook", opened, token="nope")[0] == 401
            assert events.send_gitlab(hook, "Merge Request Hook", opened, token=None)[0] == 401
            assert _depth(served.url) == 0
            status, text = events.send_gitlab(hook, "Merge Request Hook", opened, token=SECRET, uuid="e-1")
            assert (status, text.split(":")[0]) == (202, "queued 1 job")
            assert events.send_gitlab(hook, "Merge Request Hook", opened, token=SECRET, uuid="e-1")[0] == 200

            old = srv.merge_request(scene.project_id, scene.iid)["sha"]
            git(scene.repo, "checkout", "-q", "feature")
            commit_file(scene.repo, "other.yaml", ["a: 1"], "more")
            srv.refresh_merge_request(scene.project_id, scene.iid)
            pushed = events.merge_request_event(srv, scene.project_id, scene.iid, action="update", oldrev=old)
            assert events.send_gitlab(hook, "Merge Request Hook", pushed, token=SECRET)[0] == 202
            push = events.push_event(srv, scene.project_id, ref="refs/heads/feature",
                                     after=git(scene.repo, "rev-parse", "HEAD"), before=old)
            assert events.send_gitlab(hook, "Push Hook", push, token=SECRET)[0] == 202
            rerun = events.note_event(srv, scene.project_id, scene.iid, note="/gitops-validator rerun")
            assert events.send_gitlab(hook, "Note Hook", rerun, token=SECRET)[0] == 202
            # open, the pushed head, the re-run; the push hook and the redelivery queued nothing
            assert _depth(served.url) == 3
            _stop(served)
        assert srv.token not in "".join(served.stderr)
