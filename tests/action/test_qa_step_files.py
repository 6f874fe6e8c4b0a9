"""QA: a job summary file that cannot be written must not change the verdict or lose the outputs.

The job summary is for people; the check run, the exit code and the step outputs are what
branch protection and later steps read. A ``GITHUB_STEP_SUMMARY`` that cannot be written
(a runner or container setup where its folder is not mounted) is a warning in the log, and
the run still ends with the service's exit code and writes its outputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action import payloads
from tests.action.scenario import Scenario, deployment
from tests.support.github_api import GitHubApiServer

REPO = "octo-org/gitops"


@pytest.fixture
def scenario(tmp_path: Path, github_api: GitHubApiServer) -> Scenario:
    made = Scenario.create(tmp_path)
    github_api.add_repository(REPO, git_dir=made.origin.root)
    return made


@pytest.mark.parametrize(("privileged", "exit_code", "conclusion"), [(False, 0, "success"),
                                                                      (True, 1, "failure")])
def test_an_unwritable_job_summary_keeps_the_exit_code_and_the_outputs(
        scenario: Scenario, github_api: GitHubApiServer, privileged: bool, exit_code: int,
        conclusion: str) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=privileged)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    missing = scenario.tmp / "not-mounted" / "summary.md"
    done = scenario.run("pull_request", payloads.pull_request("opened", base=base, head=head),
                        token=gh.token, api_url=gh.url,
                        extra={"GITHUB_GRAPHQL_URL": gh.graphql_url, "GITHUB_STEP_SUMMARY": str(missing)})
    assert done.exit_code == exit_code, done.stderr
    [check] = [run for run in gh.state.check_runs.values() if run["head_sha"] == head]
    assert check["conclusion"] == conclusion
    assert done.outputs["conclusion"] == conclusion
    assert f"::warning title=gitops-validator::GITHUB_STEP_SUMMARY {missing}" in done.stdout
