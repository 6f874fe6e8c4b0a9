"""Lists are paged like GitHub's: per_page (max 100), page, and Link headers PyGithub follows."""

from __future__ import annotations

import re

import requests

from tests.support_tests.github_api.conftest import REPO, PullScene


def _check_run_with_annotations(scene: PullScene, count: int) -> int:
    repo = scene.client().get_repo(REPO)
    run = repo.create_check_run(name="gitops-validator", head_sha=scene.head_sha)
    annotations = [{"path": "a.yaml", "start_line": n, "end_line": n, "annotation_level": "notice",
                    "message": str(n)} for n in range(1, count + 1)]
    for start in range(0, count, 50):
        run.edit(output={"title": "t", "summary": "s", "annotations": annotations[start:start + 50]})
    return run.id


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def test_link_headers_name_next_last_prev_and_first(scene: PullScene) -> None:
    run_id = _check_run_with_annotations(scene, 150)
    url = f"{scene.gh.url}/repos/{REPO}/check-runs/{run_id}/annotations"
    auth = {"Authorization": f"token {scene.gh.token}"}
    first = requests.get(url, params={"per_page": 100}, headers=auth, timeout=10)
    assert len(first.json()) == 100
    links = _links(first.headers["Link"])
    assert set(links) == {"next", "last"}
    second = requests.get(links["next"], headers=auth, timeout=10)
    assert [a["message"] for a in second.json()] == [str(n) for n in range(101, 151)]
    assert set(_links(second.headers["Link"])) == {"prev", "first"}
    capped = requests.get(url, params={"per_page": 500}, headers=auth, timeout=10)
    assert len(capped.json()) == 100
    single = requests.get(url, params={"per_page": 100, "page": 3}, headers=auth, timeout=10)
    assert single.json() == []


def test_pygithub_follows_the_pages(scene: PullScene) -> None:
    run_id = _check_run_with_annotations(scene, 120)
    client = scene.client()
    client.per_page = 100
    run = client.get_repo(REPO).get_check_run(run_id)
    before = len(scene.gh.requests)
    assert [a.message for a in run.get_annotations()] == [str(n) for n in range(1, 121)]
    pages = [r for r in scene.gh.requests[before:] if r.operation == "checks/list-annotations"]
    assert [r.query.get("page", "1") for r in pages] == ["1", "2"]


def test_wrapped_lists_keep_their_total_count(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    for n in range(3):
        repo.create_check_run(name=f"check-{n}", head_sha=scene.head_sha)
    answer = requests.get(f"{scene.gh.url}/repos/{REPO}/commits/{scene.head_sha}/check-runs",
                          params={"per_page": 2}, headers={"Authorization": f"token {scene.gh.token}"},
                          timeout=10)
    assert answer.json()["total_count"] == 3
    assert len(answer.json()["check_runs"]) == 2
    assert "next" in _links(answer.headers["Link"])
    assert len(list(repo.get_commit(scene.head_sha).get_check_runs())) == 3
