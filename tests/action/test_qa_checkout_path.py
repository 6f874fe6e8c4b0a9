"""QA: actions/checkout with ``path: src`` puts the clone in a sub-folder of the workspace.

The run then said "not a git checkout: add an actions/checkout step", although there was
one. The checkout is found from the input ``config`` (the folder the step names), a ``paths``
input that holds the whole checkout (the default ``.``) means all of it, GitHub gets
repository paths and the log's workflow commands workspace paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action import payloads
from tests.action.scenario import Scenario, deployment
from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer

REPO = "octo-org/gitops"


@pytest.fixture
def scenario(tmp_path: Path, github_api: GitHubApiServer) -> Scenario:
    made = Scenario.create(tmp_path)
    github_api.add_repository(REPO, git_dir=made.origin.root)
    return made


@pytest.mark.parametrize("paths", ["", "src/apps"])
def test_a_checkout_in_a_sub_folder_of_the_workspace(scenario: Scenario, github_api: GitHubApiServer,
                                                     paths: str) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    workspace = scenario.tmp / "ws"
    workspace.mkdir()
    scenario.workspace.root.rename(workspace / "src")
    scenario.workspace = GitRepo(root=workspace / "src")
    scenario.inputs.update({"INPUT_CONFIG": "src", "INPUT_PATHS": paths})
    done = scenario.run("pull_request", payloads.pull_request("opened", base=base, head=head),
                        extra={"GITHUB_WORKSPACE": str(workspace)})  # no token: workflow commands
    assert done.exit_code == 1, done.stderr
    assert "::error file=src/apps/web/deploy.yaml,line=20" in done.stdout

    published = scenario.run("pull_request", payloads.pull_request("opened", base=base, head=head),
                             token=gh.token, api_url=gh.url,
                             extra={"GITHUB_WORKSPACE": str(workspace), "GITHUB_GRAPHQL_URL": gh.graphql_url})
    assert published.exit_code == 1, published.stderr
    [check] = gh.state.check_runs.values()
    assert check["conclusion"] == "failure"
    notes = {(a["path"], a["start_line"]) for a in gh.state.annotations.get(check["id"], [])}
    assert ("apps/web/deploy.yaml", 20) in notes
    assert [c["path"] for c in gh.state.review_comments.values() if "K8S-001" in c["body"]] \
        == ["apps/web/deploy.yaml"]


def test_a_workspace_without_a_checkout_names_the_path_input(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web")})
    empty = scenario.tmp / "empty"
    empty.mkdir()
    done = scenario.run("pull_request", scenario.pull_request("opened", head=head),
                        extra={"GITHUB_WORKSPACE": str(empty)})
    assert done.exit_code == 2
    assert "actions/checkout" in done.stderr
    assert "input `config`" in done.stderr
