"""Where the installation token may travel: only to GitHub's own git host, over the scheme
GitHub's API is reached with (a payload's clone URL cannot downgrade HTTPS to plain HTTP)."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from tests.action.scenario import deployment
from tests.app.job_support import INSTALLATION, REPO, Evaluations, PushDuringJob, install
from tests.support.github_api import GitHubApiServer
from tests.support.listener import loopback_listener
from validator.app.context import build_context
from validator.app.github_app import AppAuth
from validator.app.job import process
from validator.app.metrics import AppMetrics
from validator.app.mirror import Mirrors
from validator.app.model import JobKind, JobSpec
from validator.change.diff_files import DIFF_OPTIONS
from validator.change.git import git
from validator.errors import ValidatorError


def test_a_clone_url_with_another_scheme_than_the_api_is_refused(tmp_path: Path,
                                                                 github_api: GitHubApiServer) -> None:
    """Same host, other scheme: with ``GITHUB_API_URL=https://ghe.example`` a payload naming
    ``http://ghe.example/o/r.git`` would have git send the token in clear text. (The test
    server speaks plain HTTP, so the test takes the mirror image: an ``https://`` clone URL
    on the plain-HTTP host; the rule refused is the same.)"""
    env = install(github_api, tmp_path)
    base = env.origin.git("rev-parse", "main")
    head = env.commit({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    env.gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    env.settings.data_dir.mkdir(parents=True, exist_ok=True)
    lanes = PushDuringJob(env.settings.data_dir / "queue.sqlite3")
    try:
        ctx = build_context(env.settings, lanes, Evaluations(env.settings.data_dir / "ev.sqlite3"),
                            AppMetrics())
        assert env.clone_url.startswith("http://")
        job = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=INSTALLATION, repository=REPO,
                      clone_url="https" + env.clone_url.removeprefix("http"), head_sha=head,
                      base_sha=base, pull_number=7, head_ref="feature", base_ref="main",
                      event="pull_request.opened", delivery="d-1")
        lanes.enqueue(job)
        with pytest.raises(ValidatorError, match="scheme"):
            process(job, ctx)
        assert github_api.git_log.requests == []
        assert [r for r in github_api.state.check_runs.values() if r["head_sha"] == head] == [], \
            "refused before anything was started"
        assert process(replace(job, clone_url=env.clone_url), ctx).value == "completed"
    finally:
        lanes.close()


def test_a_submodule_of_the_pull_request_gets_no_fetch_and_no_token(tmp_path: Path,
                                                                   github_api: GitHubApiServer) -> None:
    """A head whose ``.gitmodules`` points a submodule at the attacker's host: git's fetch of
    the head (and the job's clone) must not follow it, or the ``http.extraHeader`` in git's
    environment would be inherited by the submodule's fetch and carry the token there."""
    env = install(github_api, tmp_path)
    base = env.origin.git("rev-parse", "main")
    with loopback_listener() as listener:
        origin = env.origin
        modules = f'[submodule "vendor"]\n\tpath = vendor\n\turl = {listener.url}/evil.git\n'
        env.commit({".gitmodules": modules})
        for sha in ("1" * 40, "2" * 40):  # the gitlink changes: "on-demand" would fetch it
            origin.git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor")
            origin.git("commit", "-q", "-m", f"submodule at {sha[:4]}")
        head = origin.git("rev-parse", "HEAD")
        token = AppAuth(env.settings).installation_token(INSTALLATION)
        mirrors = Mirrors(tmp_path / "mirrors", timeout=60, max_bytes=1 << 30)
        with mirrors.checkout(REPO, env.clone_url, token, [base, head]) as repo:
            assert git(repo, "cat-file", "-t", head).stdout.strip() == b"commit"
            git(repo, "diff", *DIFF_OPTIONS, base, head)
        assert listener.connections == []


def test_an_installation_cannot_reach_another_installations_repository_through_the_mirror(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    """A (signed) job of installation 77 naming a repository only installation 88 has, at SHAs
    already in that repository's mirror (mirrors are per repository, not per installation):
    GitHub refuses 77's token before anything is read from the mirror, started or saved."""
    env = install(github_api, tmp_path)
    private = "victim-org/private"
    github_api.add_repository(private, git_dir=env.origin.root)
    github_api.add_installation(env.settings.app_id, installation_id=88, repositories=[private],
                                permissions={"checks": "write", "pull_requests": "write",
                                             "contents": "read", "metadata": "read"})
    base = env.origin.git("rev-parse", "main")
    head = env.commit({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    github_api.add_pull_request(private, number=3, base_sha=base, head_sha=head)
    env.settings.data_dir.mkdir(parents=True, exist_ok=True)
    lanes = PushDuringJob(env.settings.data_dir / "queue.sqlite3")
    try:
        evaluations = Evaluations(env.settings.data_dir / "ev.sqlite3")
        ctx = build_context(env.settings, lanes, evaluations, AppMetrics())
        owner = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=88, repository=private,
                        clone_url=github_api.clone_url(private), head_sha=head, base_sha=base,
                        pull_number=3, head_ref="feature", base_ref="main",
                        event="pull_request.opened", delivery="d-owner")
        lanes.enqueue(owner)
        assert process(owner, ctx).value == "completed"
        runs, fetches = copy.deepcopy(github_api.state.check_runs), len(github_api.git_log.requests)
        saved = evaluations.get(owner.evaluation_id)
        assert saved is not None
        assert saved.state.value == "completed"
        intruder = replace(owner, installation_id=INSTALLATION, delivery="d-intruder",
                           event="pull_request.synchronize")
        with pytest.raises(ValidatorError):
            process(intruder, ctx)
        assert github_api.state.check_runs == runs, "nothing started or changed"
        assert len(github_api.git_log.requests) == fetches
        assert evaluations.get(owner.evaluation_id) == saved, "the owner's evaluation untouched"
    finally:
        lanes.close()
