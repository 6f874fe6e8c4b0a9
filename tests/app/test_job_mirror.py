"""App authentication and repository mirrors against the GitHub API test server: installation
tokens minted with the app's JWT and cached; base and head fetched over git smart HTTP
(``git http-backend``) with the token in an HTTP header only."""

from __future__ import annotations

import base64
import os
import random
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.app.job_support import INSTALLATION, REPO, install
from tests.support.github_api import GitHubApiServer
from tests.support.github_events import pull_request_event
from validator.app.github_app import AppAuth, AppAuthError
from validator.app.metrics import AppMetrics
from validator.app.mirror import MirrorError, Mirrors
from validator.change.git import git


def _mirrors(tmp: Path, *, max_bytes: int = 1 << 30) -> Mirrors:
    return Mirrors(tmp / "mirrors", timeout=60, max_bytes=max_bytes)


def test_installation_token_is_minted_once_and_cached(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    metrics = AppMetrics()
    auth = AppAuth(env.settings, metrics=metrics)
    token = auth.installation_token(INSTALLATION)
    assert token.startswith("ghs_")
    assert auth.installation_token(INSTALLATION) == token
    mints = [r for r in github_api.requests if r.operation == "apps/create-installation-access-token"]
    assert len(mints) == 1
    assert token not in repr(auth)
    assert metrics.github_calls._value.get() == 1
    session = auth.installation_session(INSTALLATION)
    assert session.get(f"/repos/{REPO}")["full_name"] == REPO


def test_token_renewed_within_the_margin(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path, token_margin_seconds=3700.0)  # tokens last an hour
    auth = AppAuth(env.settings)
    assert auth.installation_token(INSTALLATION) != auth.installation_token(INSTALLATION)


def test_unknown_installation_is_a_clear_error(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    with pytest.raises(AppAuthError, match="installation 999"):
        AppAuth(env.settings).installation_token(999)


def test_fetch_with_the_token_in_a_header_only(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base = env.origin.git("rev-parse", "HEAD")
    head = env.commit({"apps/web/extra.yaml": "a: 1\n"})
    token = AppAuth(env.settings).installation_token(INSTALLATION)
    mirrors = _mirrors(tmp_path)
    with mirrors.checkout(REPO, env.clone_url, token, [base, head]) as repo:
        assert git(repo, "cat-file", "-t", head).stdout.strip() == b"commit"
        assert git(repo, "show", f"{head}:apps/web/extra.yaml").stdout == b"a: 1\n"
        for path in (p for p in repo.rglob("*") if p.is_file()):
            assert token.encode() not in path.read_bytes(), path
    assert not repo.exists(), "the job's clone is removed afterwards"
    mirror = mirrors.mirror_path(REPO)
    refs = git(mirror, "for-each-ref", "--format=%(refname)").stdout.decode().split()
    assert sorted(refs) == sorted(f"refs/validator/{sha}" for sha in (base, head))
    for path in (p for p in mirror.rglob("*") if p.is_file()):
        assert token.encode() not in path.read_bytes(), path
    assert git(mirror, "remote").stdout.strip() == b""
    assert all(token not in path for _, path, _ in github_api.git_log.requests)
    assert all(status == 200 for _, _, status in github_api.git_log.requests)


def test_wrong_token_fails_clearly_without_printing_it(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    head = env.commit({"apps/web/extra.yaml": "a: 1\n"})
    secret = "ghs_not-a-token-the-server-knows"
    with pytest.raises(MirrorError) as caught, \
            _mirrors(tmp_path).checkout(REPO, env.clone_url, secret, [head]):
        pass
    assert "refused the installation token" in str(caught.value)
    assert caught.value.token_refused
    assert secret not in str(caught.value)
    assert any(status == 401 for _, _, status in github_api.git_log.requests)


def test_a_second_push_fetches_only_its_new_objects(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    rng = random.Random(12)  # noqa: S311 - test data, not secrets
    bulky = {f"data/file{i}.txt": rng.randbytes(20_000).hex() for i in range(40)}  # ~1.6 MB
    first = env.commit(bulky)
    second = env.commit({"apps/web/extra.yaml": "b: 2\n"})
    token = AppAuth(env.settings).installation_token(INSTALLATION)
    mirrors = _mirrors(tmp_path)
    mirror = mirrors.mirror_path(REPO)
    with mirrors.checkout(REPO, env.clone_url, token, [first]):
        pass
    after_first = _size(mirror)
    with mirrors.checkout(REPO, env.clone_url, token, [first, second]):
        pass
    grown = _size(mirror) - after_first
    print(f"first fetch {after_first} bytes, second push {grown} bytes")
    assert after_first > 500_000
    assert 0 < grown < after_first / 20


def test_a_mirror_beyond_the_size_limit_is_refused_and_deleted(tmp_path: Path,
                                                               github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    rng = random.Random(3)  # noqa: S311 - test data, not secrets
    head = env.commit({"data/big.txt": rng.randbytes(200_000).hex()})
    token = AppAuth(env.settings).installation_token(INSTALLATION)
    mirrors = _mirrors(tmp_path, max_bytes=100_000)
    with pytest.raises(MirrorError, match="more than the 100000 allowed"), \
            mirrors.checkout(REPO, env.clone_url, token, [head]):
        pass
    assert not mirrors.mirror_path(REPO).exists()


@pytest.mark.parametrize("name", ["../etc", "octo/..", "octo/.git", "octo/a/b", "octo/", "-x/y"])
def test_odd_repository_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(MirrorError, match="not an owner/name"):
        _mirrors(tmp_path).mirror_path(name)


@pytest.mark.parametrize("url", ["ext::sh -c touch% /tmp/x", "file:///etc", "https://user:pw@host/r.git"])
def test_clone_urls_other_than_plain_https_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(MirrorError, match="not an HTTPS URL"), \
            _mirrors(tmp_path).checkout(REPO, url, "t", ["a" * 40]):
        pass


def _size(folder: Path) -> int:
    return sum(os.lstat(p).st_size for p in folder.rglob("*") if p.is_file())



def test_the_token_is_in_no_git_argument_list(tmp_path: Path, github_api: GitHubApiServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Every git process the mirror starts is recorded (a wrapper first on PATH): the token
    is in none of their argument lists, and reaches git through its environment only."""
    env = install(github_api, tmp_path)
    head = env.commit({"apps/web/extra.yaml": "a: 1\n"})
    token = AppAuth(env.settings).installation_token(INSTALLATION)
    wrappers, record = tmp_path / "wrap", tmp_path / "argv.log"
    wrappers.mkdir()
    real = shutil.which("git")
    assert real is not None
    script = wrappers / "git"
    encoded = base64.b64encode(f"x-access-token:{token}".encode()).decode()  # as the header has it
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {record}\n'
                      f'env | grep -cF "{encoded}" | sed "s/^/env-hits /" >> {record}\nexec {real} "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrappers}{os.pathsep}{os.environ['PATH']}")
    with _mirrors(tmp_path).checkout(REPO, env.clone_url, token, [head]):
        pass
    lines = record.read_text().splitlines()
    argv = [line for line in lines if not line.startswith("env-hits ")]
    assert any(" fetch " in f" {line} " for line in argv), lines
    assert all(token not in line and encoded not in line for line in argv)
    hits = [int(line.split()[1]) for line in lines if line.startswith("env-hits ")]
    assert sum(hits) == 1, "only the fetch gets the token, in GIT_CONFIG_VALUE_0"


def test_concurrent_jobs_share_one_token(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    auth = AppAuth(env.settings)
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = set(pool.map(lambda _: auth.installation_token(INSTALLATION), range(16)))
    assert len(tokens) == 1
    mints = [r for r in github_api.requests if r.operation == "apps/create-installation-access-token"]
    assert len(mints) == 1


def test_rate_limit_waits_are_counted(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    metrics = AppMetrics()
    auth = AppAuth(env.settings, metrics=metrics)
    session = auth.installation_session(INSTALLATION)
    github_api.faults.add(method="GET", path=f"/repos/{REPO}$", status=429, headers={"Retry-After": "1"})
    assert session.get(f"/repos/{REPO}")["full_name"] == REPO
    assert metrics.rate_limit_waits._value.get() == 1


def test_jobs_of_one_repository_run_side_by_side(tmp_path: Path, github_api: GitHubApiServer) -> None:
    """The repository lock covers the fetch and the clone, not the job: a second job's checkout
    completes while the first job still works in its own."""
    env = install(github_api, tmp_path)
    first = env.commit({"apps/web/extra.yaml": "a: 1\n"})
    second = env.commit({"apps/web/extra.yaml": "a: 2\n"})
    token = AppAuth(env.settings).installation_token(INSTALLATION)
    mirrors = _mirrors(tmp_path)
    inside = threading.Event()

    def other_job() -> None:
        with mirrors.checkout(REPO, env.clone_url, token, [second]) as repo:
            assert git(repo, "cat-file", "-t", second).stdout.strip() == b"commit"
            inside.set()

    with mirrors.checkout(REPO, env.clone_url, token, [first]):
        worker = threading.Thread(target=other_job)
        worker.start()
        assert inside.wait(timeout=120), "the second job waited for the first one's whole run"
    worker.join(timeout=120)


def test_the_clone_url_of_a_pull_request_payload_serves_its_commits(tmp_path: Path,
                                                                     github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base = env.origin.git("rev-parse", "main")
    head = env.commit({"apps/web/extra.yaml": "a: 1\n"})
    pr = github_api.add_pull_request(REPO, number=3, base_sha=base, head_sha=head)
    payload = pull_request_event("opened", REPO, pr, api_url=github_api.url,
                                 clone_url=github_api.clone_url(REPO))
    clone_url = payload["repository"]["clone_url"]
    assert clone_url == github_api.clone_url(REPO)
    token = AppAuth(env.settings).installation_token(INSTALLATION)
    with _mirrors(tmp_path).checkout(REPO, clone_url, token, [base, head]) as repo:
        assert git(repo, "cat-file", "-t", base).stdout.strip() == b"commit"
    # the REST answer names the same URL
    session = AppAuth(env.settings).installation_session(INSTALLATION)
    assert session.get(f"/repos/{REPO}")["clone_url"] == clone_url
