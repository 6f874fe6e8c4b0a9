"""QA: a finding fixed on one push and brought back on a later one must be commented again.

The first push comments the finding; the second fixes it and its thread is resolved (or,
where resolving is refused, replied to as fixed); the third brings it back. The old comment
sits in a resolved (or "fixed") thread, so it is not a reason to stay quiet: the finding is
commented again, once, and a later run repeats nothing. A person resolving a thread of a
finding that is still there is a different thing: that thread is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.action import payloads
from tests.action.scenario import ActionRun, Scenario, deployment
from tests.support.github_api import GitHubApiServer
from validator.scm.markers import finding_fingerprint

REPO = "octo-org/gitops"


@pytest.fixture
def scenario(tmp_path: Path, github_api: GitHubApiServer) -> Scenario:
    made = Scenario.create(tmp_path)
    github_api.add_repository(REPO, git_dir=made.origin.root)
    return made


def _push(scenario: Scenario, gh: GitHubApiServer, base: str, *, privileged: bool, message: str,
          action: str = "synchronize") -> ActionRun:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=privileged)}, message)
    if action == "opened":
        gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    else:
        gh.update_pull_request(REPO, 7, head_sha=head)
    done = scenario.run("pull_request", payloads.pull_request(action, base=base, head=head),
                        token=gh.token, api_url=gh.url, extra={"GITHUB_GRAPHQL_URL": gh.graphql_url})
    assert done.exit_code == (1 if privileged else 0), done.stderr
    return done


def _privileged_comments(gh: GitHubApiServer) -> list[dict[str, Any]]:
    return [c for c in gh.state.review_comments.values()
            if not c.get("in_reply_to_id") and "K8S-001" in c["body"]]


def _open(gh: GitHubApiServer, comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    replied = {c["in_reply_to_id"] for c in gh.state.review_comments.values() if c.get("in_reply_to_id")}
    return [c for c in comments if not gh.state.thread_of(c["id"]).is_resolved  # type: ignore[union-attr]
            and c["id"] not in replied]


@pytest.mark.parametrize("resolving", ["allowed", "refused"])
def test_a_finding_brought_back_after_its_fix_is_commented_again(
        scenario: Scenario, github_api: GitHubApiServer, resolving: str) -> None:
    gh = github_api
    if resolving == "refused":
        forbidden = {"data": None, "errors": [{"type": "FORBIDDEN",
                                               "message": "Resource not accessible by integration"}]}
        gh.faults.add(method="POST", path=r"^/graphql$", status=200, body=forbidden, times=None,
                      match_body=lambda body: "ResolveThread" in body["query"])
    base = scenario.main_sha()
    _push(scenario, gh, base, privileged=True, message="privileged", action="opened")
    [first] = _privileged_comments(gh)
    _push(scenario, gh, base, privileged=False, message="fixed")
    assert _open(gh, _privileged_comments(gh)) == [], "the fixed finding's thread is closed"

    back = _push(scenario, gh, base, privileged=True, message="privileged again")
    comments = _privileged_comments(gh)
    assert len(comments) == 2, back.stderr
    [reopened] = _open(gh, comments)
    assert reopened["id"] != first["id"]
    assert finding_fingerprint(reopened["body"]) == finding_fingerprint(first["body"])

    again = _push(scenario, gh, base, privileged=True, message="privileged, another commit")
    assert len(_privileged_comments(gh)) == 2, again.stderr  # nothing repeated

    _push(scenario, gh, base, privileged=False, message="fixed again")
    assert _open(gh, _privileged_comments(gh)) == [], "the new comment's thread is closed too"


def test_a_thread_a_person_resolved_while_the_finding_stays_is_not_commented_again(
        scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    _push(scenario, gh, base, privileged=True, message="privileged", action="opened")
    [first] = _privileged_comments(gh)
    gh.state.thread_of(first["id"]).is_resolved = True  # type: ignore[union-attr]  # a reviewer's call
    _push(scenario, gh, base, privileged=True, message="privileged, another commit")
    assert len(_privileged_comments(gh)) == 1
