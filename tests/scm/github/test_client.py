"""The session's rules that need no server: GraphQL endpoints, waits, refused writes."""

from __future__ import annotations

import time

import pytest
from urllib3.response import HTTPResponse

from validator.scm.github.client import (
    BoundedRetry,
    GitHubCallError,
    WaitTooLong,
    connect,
    default_graphql_url,
)


@pytest.mark.parametrize(("api", "graphql"), [
    ("https://api.github.com", "https://api.github.com/graphql"),
    ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
    ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
])
def test_graphql_endpoint_follows_the_rest_root(api: str, graphql: str) -> None:
    assert default_graphql_url(api) == graphql
    assert connect(api, "t").graphql_url == graphql


def test_an_explicit_graphql_endpoint_wins() -> None:
    assert connect("https://ghe.example.com/api/v3", "t",
                   graphql_url="https://ghe.example.com/graphql").graphql_url == "https://ghe.example.com/graphql"


def test_timeouts_are_whole_seconds_of_at_least_one() -> None:
    assert connect("http://127.0.0.1:1", "t", timeout=0.2).timeout == 1
    assert connect("http://127.0.0.1:1", "t", timeout=2.5).timeout == 3


def _response(status: int, headers: dict[str, str]) -> HTTPResponse:
    return HTTPResponse(body=b"{}", headers=headers, status=status, preload_content=True)


def test_retry_after_within_the_limit_is_the_wait() -> None:
    retry = BoundedRetry(max_wait=5)
    assert retry.get_retry_after(_response(429, {"Retry-After": "2"})) == 2


def test_a_spent_quota_waits_until_its_reset() -> None:
    reset = str(int(time.time()) + 3)
    wait = BoundedRetry(max_wait=10).get_retry_after(
        _response(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}))
    assert wait is not None
    assert 2 <= wait <= 4.5


def test_a_wait_beyond_the_limit_is_refused_not_slept() -> None:
    with pytest.raises(WaitTooLong, match="3600"):
        BoundedRetry(max_wait=5).get_retry_after(_response(429, {"Retry-After": "3600"}))
    reset = str(int(time.time()) + 3600)
    with pytest.raises(WaitTooLong):
        BoundedRetry(max_wait=5).get_retry_after(
            _response(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}))


def test_the_limit_survives_urllib3_copying_the_retry() -> None:
    assert BoundedRetry(max_wait=7).new(total=1).max_wait == 7


def test_only_a_403_that_is_no_rate_limit_is_a_refused_write() -> None:
    assert GitHubCallError("POST x", 403, "Resource not accessible by integration").forbidden
    assert not GitHubCallError("POST x", 403, "secondary rate limit", rate_limited=True).forbidden
    assert not GitHubCallError("POST x", 422, "Unprocessable Entity").forbidden
    assert not GitHubCallError("POST x", None, "timed out", ambiguous=True).forbidden
