"""GitLab projects' mirrors against the GitLab test server's git over HTTP (the real
``git http-backend``): ``GITLAB_TOKEN`` only in a Basic header (user ``oauth2``), never in an
argument list, a URL or a file; a refused token named without printing it; a fork's head, which
GitLab keeps only under ``refs/merge-requests/<iid>/head`` in the target project, fetched by SHA."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.gitlab_job_support import PROJECT, add_project
from tests.support.gitlab_api import GitLabApiServer
from validator.app.mirror import MirrorError, Mirrors
from validator.app.model import Platform
from validator.change.git import git


def _mirrors(tmp: Path) -> Mirrors:
    return Mirrors(tmp / "mirrors", timeout=60, max_bytes=1 << 30)


def _logging_git(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``git`` first on PATH that appends its arguments to a log, then runs the real git."""
    real = next(Path(folder) / "git" for folder in os.environ["PATH"].split(os.pathsep)
                if (Path(folder) / "git").is_file())
    folder, log = tmp / "bin", tmp / "git-argv.log"
    folder.mkdir()
    wrapper = folder / "git"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.fixture
def srv() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as server:
        yield server


def test_fetch_with_the_token_in_a_basic_header_only(tmp_path: Path, srv: GitLabApiServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    project = add_project(srv, tmp_path)
    base = project.origin.git("rev-parse", "HEAD")
    head = project.commit({"apps/web/extra.yaml": "a: 1\n"})
    argv = _logging_git(tmp_path, monkeypatch)
    mirrors = _mirrors(tmp_path)
    token = srv.token
    with mirrors.checkout(PROJECT, project.clone_url, token, [base, head], platform=Platform.GITLAB) as repo:
        assert git(repo, "show", f"{head}:apps/web/extra.yaml").stdout == b"a: 1\n"
        for path in (p for p in repo.rglob("*") if p.is_file()):
            assert token.encode() not in path.read_bytes(), path
    mirror = mirrors.mirror_path(PROJECT, platform=Platform.GITLAB, clone_url=project.clone_url)
    assert mirror.relative_to(tmp_path / "mirrors").parts[:1] == ("gitlab",)
    assert mirror.name == "gitops.git"
    assert mirror.parent.name == "team"
    for path in (p for p in mirror.rglob("*") if p.is_file()):
        assert token.encode() not in path.read_bytes(), path
    assert "fetch" in argv.read_text()
    assert token not in argv.read_text(), "the token is never in git's argument list"
    assert srv.git_log.requests
    assert all(r.status == 200 and r.user == "oauth2" for r in srv.git_log.requests)
    assert all(token not in r.path for r in srv.git_log.requests)


def test_a_refused_token_is_named_not_printed(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    head = project.commit({"apps/web/extra.yaml": "a: 1\n"})
    secret = "glpat-not-a-token-the-server-knows"
    with pytest.raises(MirrorError) as caught, \
            _mirrors(tmp_path).checkout(PROJECT, project.clone_url, secret, [head], platform=Platform.GITLAB):
        pass
    assert "refused the GITLAB_TOKEN" in str(caught.value)
    assert caught.value.token_refused
    assert secret not in str(caught.value)
    assert any(r.status == 401 for r in srv.git_log.requests)


def test_a_head_kept_only_under_the_merge_request_ref_is_fetched_by_sha(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    """A fork's commits reach the target project only as ``refs/merge-requests/<iid>/head``:
    no branch of the project contains them, and the fetch by SHA still gets them."""
    project = add_project(srv, tmp_path)
    base = project.origin.git("rev-parse", "main")
    head = project.commit({"apps/web/extra.yaml": "from a fork\n"}, branch="fork-feature")
    project.origin.git("update-ref", "refs/merge-requests/1/head", head)
    project.origin.git("checkout", "-q", "main")
    project.origin.git("branch", "-q", "-D", "fork-feature")
    assert project.origin.git("branch", "--contains", head) == ""
    with _mirrors(tmp_path).checkout(PROJECT, project.clone_url, srv.token, [base, head],
                                     platform=Platform.GITLAB) as repo:
        assert git(repo, "show", f"{head}:apps/web/extra.yaml").stdout == b"from a fork\n"
