"""QA: two steps of one job, each checking its own folder (a monorepo with two roots).

Both published the check run ``gitops-validator`` (the latest wins: a failing first step was
hidden by a passing second one, and branch protection saw success), both edited the same
summary comment, and the second resolved the first one's review threads as "fixed" because
its report did not hold them. With ``check-name`` each step has its own check run, summary
comment and review threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.action import payloads
from tests.action.scenario import ActionRun, Scenario, deployment
from tests.support.github_api import GitHubApiServer
from validator.scm.markers import summary_marker

REPO = "octo-org/gitops"


@pytest.fixture
def scenario(tmp_path: Path, github_api: GitHubApiServer) -> Scenario:
    made = Scenario.create(tmp_path)
    github_api.add_repository(REPO, git_dir=made.origin.root)
    return made


def _step(scenario: Scenario, gh: GitHubApiServer, payload: dict[str, Any], *, paths: str,
          name: str) -> ActionRun:
    scenario.inputs = {"INPUT_POLICY": "builtin", "INPUT_PATHS": paths, "INPUT_CHECK-NAME": name}
    return scenario.run("pull_request", payload, token=gh.token, api_url=gh.url,
                        extra={"GITHUB_GRAPHQL_URL": gh.graphql_url})


def test_two_steps_with_their_own_check_names_do_not_hide_each_other(
        scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True),
                                 "apps/api/deploy.yaml": deployment("api", host_network=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    payload = payloads.pull_request("opened", base=base, head=head)

    for _ in range(2):  # a second push (a re-run) must not disturb the other step either
        web = _step(scenario, gh, payload, paths="apps/web", name="gitops-validator (web)")
        api = _step(scenario, gh, payload, paths="apps/api", name="gitops-validator (api)")
        assert (web.exit_code, api.exit_code) == (1, 1), web.stderr + api.stderr

    latest = {run["name"]: run for run in sorted(gh.state.check_runs.values(), key=lambda r: r["id"])}
    assert {name: run["conclusion"] for name, run in latest.items()} == {
        "gitops-validator (web)": "failure", "gitops-validator (api)": "failure"}
    for name in latest:
        assert len([c for c in gh.state.issue_comments.values()
                    if summary_marker(name) in c["body"]]) == 1
    comments = [c for c in gh.state.review_comments.values() if not c.get("in_reply_to_id")]
    assert {c["path"] for c in comments} == {"apps/web/deploy.yaml", "apps/api/deploy.yaml"}
    assert not any(c.get("in_reply_to_id") for c in gh.state.review_comments.values())
    for comment in comments:
        assert not gh.state.thread_of(comment["id"]).is_resolved, comment["path"]  # type: ignore[union-attr]
    assert len({(c["path"], c["line"], c["body"]) for c in comments}) == len(comments)


def test_check_name_defaults_to_gitops_validator(scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    done = _step(scenario, gh, payloads.pull_request("opened", base=base, head=head), paths="apps",
                 name="")
    assert done.exit_code == 1, done.stderr
    assert [run["name"] for run in gh.state.check_runs.values()] == ["gitops-validator"]
