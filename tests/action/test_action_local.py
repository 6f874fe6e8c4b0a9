"""The adapter end to end without GitHub: no token, so annotations go to the log as workflow
commands, and the job summary, SARIF file and step outputs are written (real git, real OPA)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action import payloads
from tests.action.scenario import Scenario, deployment
from tests.support import github_events


@pytest.fixture
def scenario(tmp_path: Path) -> Scenario:
    return Scenario.create(tmp_path)


def test_a_pull_request_without_a_token_shows_new_findings_as_workflow_commands(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    scenario.inputs["INPUT_SARIF-FILE"] = "out/report.sarif"
    done = scenario.run("pull_request", scenario.pull_request("opened", head=head))
    assert done.exit_code == 1, done.stderr
    assert ("::error file=apps/web/deploy.yaml,line=20,col=13,title=Containers must not run "
            "privileged (K8S-001%2C new)::") in done.stdout
    assert "no github-token" in done.stderr
    assert done.outputs["conclusion"] == "failure"
    assert done.outputs["new-findings"] == "1"
    assert done.outputs["existing-findings"] == "8"  # the library's other rules, on both sides
    assert done.outputs["sarif-file"] == "out/report.sarif"
    assert "## gitops-validator:" in done.summary
    assert f"https://github.example/octo-org/gitops/blob/{head}/apps/web/deploy.yaml#L" in done.summary
    sarif = json.loads((scenario.workspace.root / "out/report.sarif").read_text())
    states = {(r["ruleId"], r["baselineState"]) for r in sarif["runs"][0]["results"]}
    assert ("K8S-001", "new") in states
    assert {state for _rule, state in states} == {"new", "unchanged"}


def test_the_pull_requests_head_is_checked_never_the_workspace_merge_commit(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    # the workspace holds something else (as GitHub's merge commit would): it must not matter
    scenario.workspace.git("checkout", "-q", "main")
    done = scenario.run("pull_request", scenario.pull_request("synchronize", head=head))
    assert done.exit_code == 1, done.stderr
    assert "apps/web/deploy.yaml" in done.stdout


def test_a_change_that_brings_nothing_new_passes(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web").replace("replicas: 2",
                                                                                    "replicas: 3")})
    done = scenario.run("pull_request", scenario.pull_request("opened", head=head))
    assert done.exit_code == 0, done.stderr
    assert done.outputs["conclusion"] == "success"
    assert done.outputs["new-findings"] == "0"


def test_a_closed_pull_request_has_nothing_to_do(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    done = scenario.run("pull_request", scenario.pull_request("closed", head=head))
    assert done.exit_code == 0
    assert "nothing to check" in done.stderr
    assert done.outputs == {}


def test_a_bad_input_is_one_line_naming_it_and_exit_2(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    done = scenario.run("pull_request", scenario.pull_request("opened", head=head),
                        extra={"INPUT_FAIL-ON": "sometimes"})
    assert done.exit_code == 2
    assert "input `fail-on`" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_base_missing_from_a_shallow_checkout_is_fetched(scenario: Scenario) -> None:
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    base = scenario.main_sha()
    scenario.origin.git("config", "uploadpack.allowAnySHA1InWant", "true")
    shallow = scenario.tmp / "shallow"
    scenario.origin.git("clone", "-q", "--depth", "1", "--no-local", f"file://{scenario.origin.root}",
                        str(shallow))
    scenario.workspace = type(scenario.workspace)(root=shallow)
    done = scenario.run("pull_request", payloads.pull_request("opened", base=base, head=head))
    assert done.exit_code == 1, done.stderr
    assert "depth-limited fetch" in done.stderr


def test_a_commit_origin_does_not_have_says_fetch_depth_0(scenario: Scenario) -> None:
    done = scenario.run("pull_request", payloads.pull_request("opened", base="e" * 40, head="f" * 40))
    assert done.exit_code == 2
    assert "fetch-depth: 0" in done.stderr
    assert done.outputs["conclusion"] == "failure"
    assert "could not check" in done.summary


def test_a_push_checks_the_workspace_and_says_when_it_is_not_at_after(scenario: Scenario) -> None:
    before = scenario.main_sha()
    after = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    done = scenario.run("push", payloads.push(before=before, after=after))
    assert done.exit_code == 1, done.stderr
    assert "K8S-001" in done.stdout
    assert "not at" not in done.stderr
    scenario.workspace.git("checkout", "-q", "main")
    moved = scenario.run("push", payloads.push(before=before, after=after))
    assert moved.exit_code == 1, moved.stderr  # a full check: the library's other errors
    assert "K8S-001" not in moved.stdout  # main's files were checked, as checked out
    assert f"the workspace is not at {after[:12]}" in moved.stderr


def test_a_configuration_in_a_sub_folder_reports_checkout_paths(scenario: Scenario) -> None:
    scenario.origin.write("deploy/.gitops-validator.yaml", "settings:\n  policies: [builtin]\n")
    scenario.origin.write("deploy/apps/web/deploy.yaml", deployment("web"))
    scenario.origin.commit("a deploy folder with its own configuration")
    scenario.workspace.git("pull", "-q", "origin", "main")
    head = scenario.push_branch({"deploy/apps/web/deploy.yaml": deployment("web", privileged=True)})
    scenario.inputs = {"INPUT_CONFIG": "deploy", "INPUT_PATHS": "deploy/apps"}
    done = scenario.run("pull_request", scenario.pull_request("opened", head=head))
    assert done.exit_code == 1, done.stderr
    assert "::error file=deploy/apps/web/deploy.yaml,line=20,col=13" in done.stdout
    assert f"/blob/{head}/deploy/apps/web/deploy.yaml#L20" in done.summary


def test_workflow_dispatch_checks_the_checked_out_commit(scenario: Scenario) -> None:
    scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    done = scenario.run("workflow_dispatch", github_events.workflow_dispatch_event(
        payloads.REPOSITORY, ref="refs/heads/feature"))
    assert done.exit_code == 1, done.stderr
    assert "K8S-001" in done.stdout
    assert "workflow_dispatch: " in done.stderr
    assert "not at" not in done.stderr
