"""The GraphQL endpoint: review threads listed and resolved with the agreed documents."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.support.github_api import GitHubApiServer
from tests.support_tests.github_api.conftest import REPO, PullScene

THREADS = """query ReviewThreads($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) {
    reviewThreads(first: 100, after: $cursor) { pageInfo { hasNextPage endCursor }
      nodes { id isResolved comments(first: 1) { nodes { databaseId body } } } } } } }"""
RESOLVE = """mutation ResolveThread($threadId: ID!) {
  resolveReviewThread(input: {threadId: $threadId}) { thread { id isResolved } } }"""


def graphql(gh: GitHubApiServer, query: str, token: str | None = None, **variables: Any) -> Any:
    answer = requests.post(gh.graphql_url, json={"query": query, "variables": variables}, timeout=10,
                           headers={"Authorization": f"bearer {token or gh.token}"})
    assert answer.status_code == 200
    return answer.json()


def _review(scene: PullScene) -> None:
    repo = scene.client().get_repo(REPO)
    repo.get_pull(7).create_review(commit=repo.get_commit(scene.head_sha), event="COMMENT", comments=[
        {"path": "apps/web/deploy.yaml", "line": 10, "body": "<!-- fp=a --> first"},
        {"path": "apps/api/new.yaml", "line": 1, "body": "<!-- fp=b --> second"}])


def _threads(scene: PullScene) -> list[Any]:
    data = graphql(scene.gh, THREADS, owner="octo-org", name="gitops", number=7)
    connection = data["data"]["repository"]["pullRequest"]["reviewThreads"]
    assert connection["pageInfo"]["hasNextPage"] is False
    return list(connection["nodes"])


def test_threads_are_listed_with_their_first_comment_and_resolved(scene: PullScene) -> None:
    _review(scene)
    threads = _threads(scene)
    assert [(t["isResolved"], t["comments"]["nodes"][0]["body"]) for t in threads] == [
        (False, "<!-- fp=a --> first"), (False, "<!-- fp=b --> second")]
    comment_ids = [t["comments"]["nodes"][0]["databaseId"] for t in threads]
    assert comment_ids == sorted(scene.gh.state.review_comments)

    answer = graphql(scene.gh, RESOLVE, threadId=threads[0]["id"])
    resolved = {"thread": {"id": threads[0]["id"], "isResolved": True}}
    assert answer == {"data": {"resolveReviewThread": resolved}}
    assert [t["isResolved"] for t in _threads(scene)] == [True, False]


def test_a_read_only_token_cannot_resolve(scene: PullScene) -> None:
    _review(scene)
    scene.gh.add_token("t-read", write=False)
    thread = _threads(scene)[0]
    answer = graphql(scene.gh, RESOLVE, token="t-read", threadId=thread["id"])
    assert answer["errors"][0]["type"] == "FORBIDDEN"
    assert [t["isResolved"] for t in _threads(scene)] == [False, False]


def test_an_unknown_operation_is_an_error_and_a_violation() -> None:
    with GitHubApiServer() as gh:
        answer = graphql(gh, "query Viewer { viewer { login } }")
        assert answer["errors"][0]["type"] == "UNKNOWN_OPERATION"
        assert len(gh.violations) == 1
        assert gh.violations[0].message.startswith("graphql: unknown operation Viewer")


def test_a_missing_variable_is_a_violation() -> None:
    with GitHubApiServer() as gh:
        answer = graphql(gh, THREADS, owner="octo-org", name="gitops")
        assert answer["errors"][0]["message"] == "Variable $number of type Int! was provided invalid value"
        assert len(gh.violations) == 1


def test_a_thread_query_is_no_write_but_the_resolve_mutation_is(scene: PullScene) -> None:
    _review(scene)
    scene.gh.faults.add(method="POST", path="^/graphql$", status=None, delay=0.3, times=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(_threads, scene)
        time.sleep(0.1)
        thread_id = _threads(scene)[0]["id"]
        assert len(slow.result()) == 2
    assert scene.gh.max_writes_in_flight == 1
    graphql(scene.gh, RESOLVE, threadId=thread_id)
    assert scene.gh.max_writes_in_flight == 1


def test_pygithubs_graphql_requester_reaches_the_endpoint(scene: PullScene) -> None:
    _review(scene)
    requester = scene.client().requester
    _, data = requester.graphql_query(THREADS, {"owner": "octo-org", "name": "gitops", "number": 7})
    (first, _second) = data["data"]["repository"]["pullRequest"]["reviewThreads"]["nodes"]
    _, resolved = requester.graphql_query(RESOLVE, {"threadId": first["id"]})
    assert resolved["data"]["resolveReviewThread"]["thread"]["isResolved"] is True
    assert [r.operation for r in scene.gh.requests[-2:]] == ["graphql:ReviewThreads", "graphql:ResolveThread"]
