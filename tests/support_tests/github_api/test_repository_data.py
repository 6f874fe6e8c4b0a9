"""Contents, trees and blobs from the real git repository; pull requests of a commit; reviews edited."""

from __future__ import annotations

import base64
import io
import tarfile

import github
import pytest
import requests

from tests.support_tests.github_api.conftest import HEAD_DEPLOY, REPO, PullScene


def test_file_contents_at_a_ref_come_from_git(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    content = repo.get_contents("apps/web/deploy.yaml", ref=scene.head_sha)
    assert not isinstance(content, list)
    assert content.decoded_content.decode() == HEAD_DEPLOY
    assert content.sha == scene.git.git("rev-parse", f"{scene.head_sha}:apps/web/deploy.yaml")
    listing = repo.get_contents("apps", ref=scene.head_sha)
    assert isinstance(listing, list)
    assert sorted((c.name, c.type) for c in listing) == [("api", "dir"), ("web", "dir")]
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("apps/api/new.yaml", ref=scene.base_sha)


def test_trees_and_blobs_come_from_git(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    tree = repo.get_git_tree(scene.head_sha, recursive=True)
    blobs = {e.path: e.sha for e in tree.tree if e.type == "blob"}
    assert set(blobs) == {"README.md", "apps/api/new.yaml", "apps/web/deploy.yaml"}
    top = repo.get_git_tree(scene.head_sha)
    assert sorted(e.path for e in top.tree) == ["README.md", "apps"]
    blob = repo.get_git_blob(blobs["apps/api/new.yaml"])
    assert (blob.encoding, base64.b64decode(blob.content), blob.size) == ("base64", b"kind: ConfigMap\n", 16)


def test_the_pull_requests_of_a_head_commit_are_listed(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    assert [p.number for p in repo.get_commit(scene.head_sha).get_pulls()] == [7]
    assert list(repo.get_commit(scene.base_sha).get_pulls()) == []


def test_a_review_is_edited_and_dismissed(scene: PullScene) -> None:
    pull = scene.client().get_repo(REPO).get_pull(7)
    review = pull.create_review(body="first", event="REQUEST_CHANGES")
    review.edit("second")
    assert [r.body for r in pull.get_reviews()] == ["second"]
    review.dismiss("fixed")
    stored = scene.gh.state.reviews[review.id]
    assert (stored["body"], stored["state"]) == ("second", "DISMISSED")


def test_a_tarball_redirects_to_an_archive_of_the_commit(scene: PullScene) -> None:
    auth = {"Authorization": f"token {scene.gh.token}"}
    answer = requests.get(f"{scene.gh.url}/repos/{REPO}/tarball/{scene.head_sha}", headers=auth, timeout=10,
                          allow_redirects=False)
    assert answer.status_code == 302
    archive = requests.get(answer.headers["Location"], timeout=10)
    assert archive.headers["Content-Type"] == "application/x-gzip"
    with tarfile.open(fileobj=io.BytesIO(archive.content), mode="r:gz") as tar:
        names = sorted(m.name for m in tar.getmembers() if m.isfile())
        prefix = f"octo-org-gitops-{scene.head_sha[:7]}/"
        assert names == [prefix + "README.md", prefix + "apps/api/new.yaml", prefix + "apps/web/deploy.yaml"]
        deploy = tar.extractfile(prefix + "apps/web/deploy.yaml")
        assert deploy is not None
        assert deploy.read().decode() == HEAD_DEPLOY
    assert scene.gh.violations == []
    missing = requests.get(f"{scene.gh.url}/repos/{REPO}/tarball/nope", headers=auth, timeout=10,
                           allow_redirects=False)
    assert missing.status_code == 404
