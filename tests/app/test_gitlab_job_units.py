"""The GitLab job's pure parts: mirror paths and git's header, the evaluation's GitLab words and
links, the context of a GitLab-only app (no GitHub App), GitLab's states as conclusions."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from validator.app.context import JobContext, PlatformOffError, build_context
from validator.app.details import render_page
from validator.app.evaluation import EvaluationState
from validator.app.evaluation_json import evaluation_from_json, evaluation_to_json
from validator.app.evaluations_sqlite import SqliteEvaluations
from validator.app.gitlab_job import conclusion_of
from validator.app.job import process
from validator.app.metrics import AppMetrics
from validator.app.mirror import MirrorError, Mirrors, auth_header
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.queue.sqlite import SqliteBackend
from validator.app.record import started_evaluation
from validator.app.settings import AppSettings

GITLAB = "https://gitlab.example.test"


def _mirrors(tmp: Path) -> Mirrors:
    return Mirrors(tmp / "mirrors", timeout=60, max_bytes=1 << 30)


def _gitlab_job(**changes: object) -> JobSpec:
    values: dict[str, object] = {
        "kind": JobKind.PULL_REQUEST, "installation_id": 0, "repository": "group/sub/gitops",
        "clone_url": f"{GITLAB}/group/sub/gitops.git", "head_sha": "b" * 40, "base_sha": "a" * 40,
        "pull_number": 7, "platform": Platform.GITLAB, "project_id": 14, **changes}
    return JobSpec(**values)  # type: ignore[arg-type]


def test_gitlab_mirrors_nest_groups_under_their_host_apart_from_github(tmp_path: Path) -> None:
    mirrors = _mirrors(tmp_path)
    nested = mirrors.mirror_path("Group/Sub/GitOps", platform=Platform.GITLAB,
                                 clone_url="https://GitLab.Example.test/Group/Sub/GitOps.git")
    assert nested == tmp_path / "mirrors" / "gitlab" / "gitlab.example.test" / "group" / "sub" / "gitops.git"
    on_port = mirrors.mirror_path("g/p", platform=Platform.GITLAB, clone_url="http://127.0.0.1:8080/g/p.git")
    assert on_port == tmp_path / "mirrors" / "gitlab" / "127.0.0.1_8080" / "g" / "p.git"
    # GitHub's owner "gitlab" keeps its two-level path: never the GitLab tree's
    github = mirrors.mirror_path("gitlab/gitlab.example.test")
    assert github == tmp_path / "mirrors" / "gitlab" / "gitlab.example.test.git"
    assert not nested.is_relative_to(github)
    assert github != nested.parent


@pytest.mark.parametrize("path", ["group", "../etc/p", "g/../p", "g/p.git", "g/x.lock/p", "g/-p", "g//p",
                                  "g/.hidden", "g/p/", "/".join(["g"] * 23), "g/p q", "g/p\nq"])
def test_odd_gitlab_paths_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(MirrorError, match="not a group/project path GitLab allows"):
        _mirrors(tmp_path).mirror_path(path, platform=Platform.GITLAB, clone_url=f"{GITLAB}/g/p.git")


@pytest.mark.parametrize("url", ["https://gitlab.lock/g/p.git", "https://x.git/g/p.git", "https://[::1]/g/p.git"])
def test_odd_hosts_are_refused_as_mirror_folders(tmp_path: Path, url: str) -> None:
    with pytest.raises(MirrorError, match="is not a host name"):
        _mirrors(tmp_path).mirror_path("g/p", platform=Platform.GITLAB, clone_url=url)


def test_git_gets_each_platforms_basic_user_with_the_token() -> None:
    for platform, user in ((Platform.GITHUB, "x-access-token"), (Platform.GITLAB, "oauth2")):
        header = auth_header(platform, "glpat-secret")
        name, _, value = header.partition(": ")
        scheme, _, encoded = value.partition(" ")
        assert (name, scheme) == ("Authorization", "Basic")
        assert base64.b64decode(encoded).decode() == f"{user}:glpat-secret"


def test_a_merge_request_evaluation_links_and_names_the_merge_request() -> None:
    job = _gitlab_job()
    evaluation = started_evaluation(job, "2026-11-26T22:00:00Z")
    assert evaluation.platform is Platform.GITLAB
    assert evaluation.pull_url == f"{GITLAB}/group/sub/gitops/-/merge_requests/7"
    page = render_page(evaluation)
    assert "group/sub/gitops !7" in page
    link = f'<a href="{GITLAB}/group/sub/gitops/-/merge_requests/7">!7</a>'
    assert f"<dt>Merge request</dt><dd>{link}</dd>" in page
    assert "Pull request" not in page
    assert "/pull/" not in page
    cancelled = render_page(replace(evaluation, state=EvaluationState.CANCELLED))
    assert "this merge request superseded" in cancelled
    assert "its own commit status" in cancelled


def test_a_github_evaluation_keeps_its_words_and_reads_back_without_a_platform() -> None:
    job = _gitlab_job(platform=Platform.GITHUB, repository="octo/gitops",
                      clone_url="https://github.com/octo/gitops.git")
    evaluation = started_evaluation(job, "2026-11-26T22:00:00Z")
    assert evaluation.pull_url == "https://github.com/octo/gitops/pull/7"
    assert "<dt>Pull request</dt>" in render_page(evaluation)
    text = evaluation_to_json(evaluation).replace(', "platform": "github"', "")
    assert '"platform"' not in text, "an evaluation stored before GitLab existed"
    assert evaluation_from_json(text).platform is Platform.GITHUB
    gitlab = started_evaluation(_gitlab_job(), "2026-11-26T22:00:00Z")
    assert evaluation_from_json(evaluation_to_json(gitlab)) == gitlab


def test_gitlab_states_are_the_apps_conclusions() -> None:
    states = ("success", "failed", "canceled")
    assert [conclusion_of(s) for s in states] == ["success", "failure", "cancelled"]


def test_a_gitlab_only_app_has_no_github_app_and_refuses_github_jobs(tmp_path: Path) -> None:
    settings = AppSettings(gitlab_url=GITLAB, gitlab_token="glpat-secret", gitlab_webhook_secret="s",
                           data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    queue = SqliteBackend(settings.data_dir / "q.sqlite3", lease_seconds=60.0, max_attempts=3)
    try:
        ctx: JobContext = build_context(settings, queue, SqliteEvaluations(settings.data_dir / "e.sqlite3"),
                                        AppMetrics())
        assert ctx.auth is None
        assert ctx.gitlab is not None
        assert "glpat-secret" not in repr(ctx)
        github_job = _gitlab_job(platform=Platform.GITHUB, installation_id=5, repository="octo/gitops",
                                 clone_url="https://github.com/octo/gitops.git")
        with pytest.raises(PlatformOffError, match="GITHUB_APP_ID"):
            process(github_job, ctx)
    finally:
        queue.close()


def test_a_github_only_app_refuses_gitlab_jobs_naming_the_setting(tmp_path: Path) -> None:
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()
    settings = AppSettings(app_id=1, private_key=pem, webhook_secret="s", data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    queue = SqliteBackend(settings.data_dir / "q.sqlite3", lease_seconds=60.0, max_attempts=3)
    try:
        ctx = build_context(settings, queue, SqliteEvaluations(settings.data_dir / "e.sqlite3"), AppMetrics())
        assert ctx.gitlab is None
        assert ctx.auth is not None
        with pytest.raises(PlatformOffError, match="GITLAB_TOKEN"):
            process(_gitlab_job(), ctx)
    finally:
        queue.close()
