"""Event payloads derived from GitHub's examples carry the test's repository, refs and SHAs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from tests.support import github_events as events

REPO = "octo-org/gitops"


@dataclass(frozen=True)
class Pull:
    number: int = 7
    base_sha: str = "b" * 40
    head_sha: str = "h" * 40
    base_ref: str = "main"
    head_ref: str = "feature"


@pytest.mark.parametrize("action", events.PULL_REQUEST_ACTIONS)
def test_pull_request_events_name_the_pull_requests_shas_and_refs(action: str) -> None:
    payload = events.pull_request_event(action, REPO, Pull(), before="p" * 40, api_url="http://127.0.0.1:9")
    pull = payload["pull_request"]
    assert (payload["action"], payload["number"], pull["number"]) == (action, 7, 7)
    assert (pull["base"]["sha"], pull["base"]["ref"]) == ("b" * 40, "main")
    head = pull["head"]
    assert (head["sha"], head["ref"], head["label"]) == ("h" * 40, "feature", "octo-org:feature")
    assert payload["repository"]["full_name"] == REPO
    assert pull["head"]["repo"]["full_name"] == REPO
    text = json.dumps(payload)
    assert "Hello-World" not in text
    assert "api.github.com" not in text
    assert events.schema_problems("pull_request", action, payload) == []
    if action == "synchronize":
        assert (payload["before"], payload["after"]) == ("p" * 40, "h" * 40)


def test_a_ready_for_review_pull_request_is_no_draft() -> None:
    ready = events.pull_request_event("ready_for_review", REPO, Pull(), draft=True)
    assert ready["pull_request"]["draft"] is False
    assert events.pull_request_event("opened", REPO, Pull(), draft=True)["pull_request"]["draft"] is True


def test_an_unsupported_action_is_refused() -> None:
    with pytest.raises(ValueError, match="closed"):
        events.pull_request_event("closed", REPO, Pull())


def test_the_schema_check_catches_a_wrong_payload() -> None:
    payload = events.pull_request_event("opened", REPO, Pull())
    payload["number"] = "7"
    payload["pull_request"]["head"]["sha"] = 7
    assert events.schema_problems("pull_request", "opened", payload) == [
        "number: '7' is not of type 'integer'", "pull_request/head/sha: 7 is not of type 'string'"]


def test_a_push_lists_the_commits_from_git(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("a.yaml", "a: 1\n")
    before = repo.commit("base")
    repo.write("b.yaml", "b: 1\n")
    repo.write("a.yaml", "a: 2\n")
    after = repo.commit("second\n\nbody")
    payload = events.push_event(REPO, before=before, after=after, git_dir=repo.root)
    (commit,) = payload["commits"]
    assert (commit["id"], commit["message"], commit["added"], commit["modified"]) == (
        after, "second\n\nbody", ["b.yaml"], ["a.yaml"])
    assert payload["head_commit"] == commit
    assert (payload["ref"], payload["before"], payload["after"], payload["created"]) == (
        "refs/heads/main", before, after, False)
    assert events.schema_problems("push", "event", payload) == []


def test_merge_group_and_workflow_dispatch_carry_the_documented_fields(tmp_path: Path) -> None:
    group = events.merge_group_event(REPO, head_sha="h" * 40, base_sha="b" * 40, pull_number=7)
    assert group["action"] == "checks_requested"
    assert group["merge_group"]["head_sha"] == "h" * 40
    assert group["merge_group"]["base_sha"] == "b" * 40
    assert group["merge_group"]["head_ref"] == f"refs/heads/gh-readonly-queue/main/pr-7-{'b' * 40}"
    assert group["repository"]["full_name"] == REPO
    dispatch = events.workflow_dispatch_event(REPO, inputs={"paths": "apps"})
    assert (dispatch["ref"], dispatch["inputs"]) == ("refs/heads/main", {"paths": "apps"})
    written = events.write_event(group, tmp_path / "event.json")
    assert json.loads(written.read_text()) == group
