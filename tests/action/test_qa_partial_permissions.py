"""QA: a token that may write check runs but not pull request comments (``permissions:
checks: write`` with ``pull-requests: read``, a common least-privilege setting).

The check run was completed with its annotations, then the refused review made the run
print every finding again as a workflow-command annotation: each one shown twice on the
pull request. What the check run carries is not repeated; the log says what was refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action import payloads
from tests.action.scenario import Scenario, deployment
from tests.support.github_api import GitHubApiServer
from tests.support.github_api.state import Token

REPO = "octo-org/gitops"


@pytest.fixture
def scenario(tmp_path: Path, github_api: GitHubApiServer) -> Scenario:
    made = Scenario.create(tmp_path)
    github_api.add_repository(REPO, git_dir=made.origin.root)
    return made


def test_a_token_that_may_not_comment_does_not_annotate_twice(scenario: Scenario,
                                                              github_api: GitHubApiServer) -> None:
    gh = github_api
    gh.state.tokens["t-checks"] = Token(value="t-checks", write=True, permissions={
        "checks": "write", "pull_requests": "read", "contents": "read", "metadata": "read"})
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    done = scenario.run("pull_request", payloads.pull_request("opened", base=base, head=head),
                        token="t-checks", api_url=gh.url, extra={"GITHUB_GRAPHQL_URL": gh.graphql_url})
    assert done.exit_code == 1, done.stderr
    [check] = gh.state.check_runs.values()
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert any(a["start_line"] == 20 for a in gh.state.annotations[check["id"]])
    assert "::error file=" not in done.stdout, "the check run already carries the annotations"
    assert "could not post the review" in done.stderr
    assert done.outputs["conclusion"] == "failure"
    assert "## gitops-validator: 1 new finding" in done.summary
