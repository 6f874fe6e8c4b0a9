"""Injected faults fire the given number of times, with GitHub's shapes, and change nothing."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import github
import pytest
import requests

from tests.support.github_api import SECONDARY_RATE_LIMIT
from tests.support_tests.github_api.conftest import REPO, PullScene

REVIEWS = r"^/repos/[^/]+/[^/]+/pulls/\d+/reviews$"


def _post_review(scene: PullScene, *comments: dict[str, Any], timeout: float = 10) -> requests.Response:
    return requests.post(f"{scene.gh.url}/repos/{REPO}/pulls/7/reviews", timeout=timeout,
                         headers={"Authorization": f"token {scene.gh.token}"},
                         json={"event": "COMMENT", "body": "b", "comments": list(comments)})


ON_10 = {"path": "apps/web/deploy.yaml", "line": 10, "body": "a"}
ON_31 = {"path": "apps/web/deploy.yaml", "line": 31, "body": "b"}


def test_a_fault_fires_the_given_number_of_times_and_stores_nothing(scene: PullScene) -> None:
    fault = scene.gh.faults.add(method="POST", path=REVIEWS, status=502, times=2)
    assert [_post_review(scene, ON_10).status_code for _ in range(3)] == [502, 502, 200]
    assert fault.fired == 2
    assert len(scene.gh.state.reviews) == 1
    assert [r.status for r in scene.gh.requests] == [502, 502, 200]


def test_a_fault_matches_method_and_path_only(scene: PullScene) -> None:
    scene.gh.faults.add(method="POST", path=REVIEWS, status=500, times=None)
    repo = scene.client().get_repo(REPO)
    assert repo.get_pull(7).title == "Change"
    with pytest.raises(github.GithubException) as raised:
        repo.get_pull(7).create_review(body="x", event="COMMENT")
    assert raised.value.status == 500


def test_the_secondary_rate_limit_looks_like_githubs(scene: PullScene) -> None:
    scene.gh.faults.secondary_rate_limit(method="POST", path=REVIEWS, retry_after=3)
    answer = _post_review(scene, ON_10)
    assert (answer.status_code, answer.headers["Retry-After"]) == (403, "3")
    assert answer.json()["message"] == SECONDARY_RATE_LIMIT
    assert answer.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert _post_review(scene, ON_10).status_code == 200


def test_the_primary_rate_limit_and_429_carry_their_headers(scene: PullScene) -> None:
    scene.gh.faults.primary_rate_limit(method="POST", path=REVIEWS, reset_in=5, now=1000.0)
    scene.gh.faults.add(method="POST", path=REVIEWS, status=429, headers={"Retry-After": "1"})
    limited = _post_review(scene, ON_10)
    assert limited.status_code == 403
    assert (limited.headers["x-ratelimit-remaining"], limited.headers["x-ratelimit-reset"]) == ("0", "1005")
    too_many = _post_review(scene, ON_10)
    assert (too_many.status_code, too_many.headers["Retry-After"]) == (429, "1")
    assert too_many.headers["x-ratelimit-remaining"] == "4999"


def test_a_body_predicate_picks_one_review_comment(scene: PullScene) -> None:
    scene.gh.faults.add(method="POST", path=REVIEWS, status=422, times=None,
                        body={"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]},
                        match_body=lambda body: any(c["line"] == 31 for c in body.get("comments", [])))
    assert _post_review(scene, ON_10, ON_31).status_code == 422
    assert _post_review(scene, ON_10).status_code == 200
    assert [c["line"] for c in scene.gh.state.review_comments.values()] == [10]


def test_a_delay_beyond_the_clients_timeout_is_a_timeout(scene: PullScene) -> None:
    scene.gh.faults.add(method="POST", path=REVIEWS, status=504, delay=2.0)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        _post_review(scene, ON_10, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert scene.gh.state.reviews == {}


def test_a_slow_success_is_served_after_the_delay(scene: PullScene) -> None:
    scene.gh.faults.add(method="POST", path=REVIEWS, status=None, delay=0.3)
    started = time.monotonic()
    assert _post_review(scene, ON_10).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_graphql_can_fail_too(scene: PullScene) -> None:
    scene.gh.faults.add(method="POST", path="^/graphql$", status=502)
    answer = requests.post(scene.gh.graphql_url, json={"query": "query ReviewThreads"}, timeout=10,
                           headers={"Authorization": f"bearer {scene.gh.token}"})
    assert answer.status_code == 502


def test_the_server_counts_writes_in_flight_at_once(scene: PullScene) -> None:
    scene.gh.faults.add(method="POST", path=REVIEWS, status=None, delay=0.3, times=2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: _post_review(scene, ON_10), range(2)))
    assert [a.status_code for a in answers] == [200, 200]
    assert scene.gh.max_writes_in_flight == 2
    assert scene.client().get_repo(REPO).get_pull(7).title == "Change"
    assert scene.gh.max_writes_in_flight == 2


def test_serialised_writes_keep_one_in_flight(scene: PullScene) -> None:
    for _ in range(2):
        _post_review(scene, ON_10)
    assert scene.gh.max_writes_in_flight == 1


def test_a_fault_body_can_be_githubs_html_error_page(scene: PullScene) -> None:
    page = "<html><body><h1>Unicorn!</h1>502 Bad Gateway</body></html>"
    scene.gh.faults.add(method="POST", path=REVIEWS, status=502, body=page)
    answer = _post_review(scene, ON_10)
    assert (answer.status_code, answer.text) == (502, page)
    assert answer.headers["Content-Type"].startswith("text/html")
