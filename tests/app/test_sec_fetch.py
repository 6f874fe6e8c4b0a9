"""Where the installation token may travel: only to GitHub's own git host, over the scheme
GitHub's API is reached with (a payload's clone URL cannot downgrade HTTPS to plain HTTP)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.action.scenario import deployment
from tests.app.job_support import INSTALLATION, REPO, Evaluations, PushDuringJob, install
from tests.support.github_api import GitHubApiServer
from validator.app.context import build_context
from validator.app.job import process
from validator.app.metrics import AppMetrics
from validator.app.model import JobKind, JobSpec
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
