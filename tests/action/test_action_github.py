"""The adapter end to end against the GitHub API test server: ``python -m validator action``
as a subprocess, PyGithub as the real client, a real git repository, real OPA.

First push: a check run on the head (failure, annotations at the finding's line), review
comments only on the changed lines (markers, a suggestion block), one summary comment. Second
push fixing that finding and adding another: nothing repeated, the fixed thread resolved, the
new finding commented, the summary comment updated in place.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.action import payloads
from tests.action.scenario import ACTION_COMMAND, ActionRun, Scenario, deployment
from tests.support.github_api import GitHubApiServer
from validator.scm.markers import finding_fingerprint, summary_marker

REPO = "octo-org/gitops"


@pytest.fixture
def scenario(tmp_path: Path, github_api: GitHubApiServer) -> Scenario:
    made = Scenario.create(tmp_path)
    github_api.add_repository(REPO, git_dir=made.origin.root)
    return made


def _run(scenario: Scenario, gh: GitHubApiServer, event: str, payload: dict[str, Any], *,
         token: str | None = None) -> ActionRun:
    return scenario.run(event, payload, token=token or gh.token, api_url=gh.url,
                        extra={"GITHUB_GRAPHQL_URL": gh.graphql_url})


def _runs_on(gh: GitHubApiServer, sha: str) -> list[dict[str, Any]]:
    return [run for run in gh.state.check_runs.values() if run["head_sha"] == sha]


def _annotations(gh: GitHubApiServer, run: dict[str, Any]) -> list[dict[str, Any]]:
    return gh.state.annotations.get(run["id"], [])


def _commentable(gh: GitHubApiServer, number: int) -> dict[str, frozenset[int]]:
    pr = gh.state.pull_requests[(REPO, number)]
    return {f.filename: f.commentable_right for f in pr.data.files}


def _top_level(gh: GitHubApiServer) -> list[dict[str, Any]]:
    return [c for c in gh.state.review_comments.values() if not c.get("in_reply_to_id")]


def _summaries(gh: GitHubApiServer) -> list[dict[str, Any]]:
    marker = summary_marker("gitops-validator")
    return [c for c in gh.state.issue_comments.values() if marker in c["body"]]


def test_first_and_second_push_of_a_pull_request(scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)

    first = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base=base, head=head))
    assert first.exit_code == 1, first.stderr
    assert re.search(r"took [\d.]+ s: validation [\d.]+ s, publishing [\d.]+ s", first.stderr)
    [check] = _runs_on(gh, head)
    assert (check["name"], check["status"], check["conclusion"]) == ("gitops-validator", "completed",
                                                                     "failure")
    assert len(check["output"]["summary"].encode()) <= 65_535
    where = {(a["path"], a["start_line"], a["annotation_level"]) for a in _annotations(gh, check)}
    assert ("apps/web/deploy.yaml", 20, "failure") in where
    comments = _top_level(gh)
    commentable = _commentable(gh, 7)
    assert comments, first.stderr
    for comment in comments:
        assert comment["line"] in commentable[comment["path"]]
        assert comment.get("side", "RIGHT") == "RIGHT"
        assert finding_fingerprint(comment["body"]) is not None
    [privileged] = [c for c in comments if "K8S-001" in c["body"]]
    assert (privileged["path"], privileged["line"]) == ("apps/web/deploy.yaml", 20)
    assert "```suggestion\n            privileged: false\n```" in privileged["body"]
    summaries = _summaries(gh)
    assert len(summaries) == 1
    assert first.outputs["conclusion"] == "failure"
    assert first.outputs["new-findings"] == "1"

    # second push: the privileged container fixed, the api pod now shares the host's network
    second_head = scenario.push_branch({
        "apps/web/deploy.yaml": deployment("web"),
        "apps/api/deploy.yaml": deployment("api", host_network=True)})
    gh.update_pull_request(REPO, 7, head_sha=second_head)
    second = _run(scenario, gh, "pull_request",
                  payloads.pull_request("synchronize", base=base, head=second_head))
    assert second.exit_code == 1, second.stderr
    [check2] = _runs_on(gh, second_head)
    assert check2["conclusion"] == "failure"
    assert any(a["path"] == "apps/api/deploy.yaml" for a in _annotations(gh, check2))
    comments = _top_level(gh)
    fingerprints = [finding_fingerprint(c["body"]) for c in comments]
    assert len(fingerprints) == len(set(fingerprints)), "a finding was commented twice"
    assert len([c for c in comments if "K8S-001" in c["body"]]) == 1
    [host] = [c for c in comments if "K8S-009" in c["body"]]
    assert host["path"] == "apps/api/deploy.yaml"
    assert host["line"] in _commentable(gh, 7)["apps/api/deploy.yaml"]
    thread = gh.state.thread_of(privileged["id"])
    assert thread is not None
    assert thread.is_resolved
    summaries = _summaries(gh)
    assert len(summaries) == 1, "the summary comment is updated in place, not posted again"
    # against the base, the privileged container was never there: not "fixed", just gone
    assert (second.outputs["new-findings"], second.outputs["fixed-findings"]) == ("1", "0")


def test_a_merge_group_is_reported_on_its_head_without_comments(scenario: Scenario,
                                                               github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    done = _run(scenario, gh, "merge_group", payloads.merge_group(base=base, head=head))
    assert done.exit_code == 1, done.stderr
    [check] = _runs_on(gh, head)
    assert check["conclusion"] == "failure"
    assert gh.state.review_comments == {}
    assert gh.state.issue_comments == {}


def test_a_push_is_a_full_check_reported_on_after(scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    before = scenario.main_sha()
    after = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    done = _run(scenario, gh, "push", payloads.push(before=before, after=after))
    assert done.exit_code == 1, done.stderr
    [check] = _runs_on(gh, after)
    assert check["conclusion"] == "failure"
    paths = {a["path"] for a in _annotations(gh, check)}
    assert paths == {"apps/web/deploy.yaml", "apps/api/deploy.yaml"}  # the whole repository
    assert gh.state.review_comments == {}


def test_a_read_only_token_falls_back_to_workflow_commands(scenario: Scenario,
                                                         github_api: GitHubApiServer) -> None:
    gh = github_api
    gh.add_token("t-read", write=False)
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    done = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base=base, head=head),
                token="t-read")
    assert done.exit_code == 1, done.stderr
    assert gh.state.check_runs == {}
    assert "::error file=apps/web/deploy.yaml,line=20" in done.stdout
    assert "refused a write" in done.stderr
    assert "## gitops-validator: 1 new finding" in done.summary
    assert done.outputs["conclusion"] == "failure"


def test_a_failing_validator_still_completes_the_check_run(scenario: Scenario,
                                                          github_api: GitHubApiServer) -> None:
    gh = github_api
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web")})
    done = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base="e" * 40, head=head))
    assert done.exit_code == 2
    [check] = _runs_on(gh, head)
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert "fetch-depth: 0" in check["output"]["summary"]


def test_a_bad_input_still_completes_the_check_run(scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web")})
    scenario.inputs["INPUT_BLOCK"] = "most"
    done = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base=base, head=head))
    assert done.exit_code == 2
    assert "input `block`" in done.stderr
    [check] = _runs_on(gh, head)
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert "input `block`" in check["output"]["summary"]


def test_faults_on_the_way_still_complete_the_check_run_and_post_the_review(
        scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    gh.faults.add(method="PATCH", path=r"^/repos/[^/]+/[^/]+/check-runs/\d+$", status=502, times=1)
    gh.faults.secondary_rate_limit(method="POST", path=r"^/repos/[^/]+/[^/]+/pulls/\d+/reviews$",
                                   retry_after=1)
    done = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base=base, head=head))
    assert done.exit_code == 1, done.stderr
    [check] = _runs_on(gh, head)
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    assert [c for c in _top_level(gh) if "K8S-001" in c["body"]]
    assert done.outputs["conclusion"] == "failure"


def test_a_check_run_github_never_takes_falls_back_to_workflow_commands(
        scenario: Scenario, github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    gh.faults.add(method="POST", path=r"^/repos/[^/]+/[^/]+/check-runs$", status=500, times=None)
    done = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base=base, head=head))
    assert done.exit_code == 1, done.stderr
    assert gh.state.check_runs == {}
    assert "::error file=apps/web/deploy.yaml,line=20" in done.stdout
    assert "no check run" in done.stderr
    assert done.outputs["conclusion"] == "failure"


def test_a_cancelled_job_still_completes_the_check_run(scenario: Scenario,
                                                       github_api: GitHubApiServer) -> None:
    gh = github_api
    base = scenario.main_sha()
    head = scenario.push_branch({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    env, _, _ = scenario.environment("pull_request", payloads.pull_request("opened", base=base, head=head),
                                     token=gh.token, api_url=gh.url,
                                     extra={"GITHUB_GRAPHQL_URL": gh.graphql_url})
    process = subprocess.Popen(ACTION_COMMAND, cwd=scenario.workspace.root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _runs_on(gh, head) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)  # the runner cancels a job with SIGINT first
    _, stderr = process.communicate(timeout=60)
    [check] = _runs_on(gh, head)
    assert (check["status"], check["conclusion"]) == ("completed", "failure"), stderr.decode()
    assert "interrupted" in check["output"]["summary"]
    assert process.returncode != 0


@pytest.mark.parametrize("block", ["new", "all"])
def test_block_decides_the_conclusion_and_which_findings_get_review_comments(
        scenario: Scenario, github_api: GitHubApiServer, block: str) -> None:
    gh = github_api
    base = scenario.main_sha()
    # a line added to the container: the hunk's context lines carry the base's existing findings
    pulled = deployment("web").replace("image: nginx:1.27\n",
                                       "image: nginx:1.27\n          imagePullPolicy: IfNotPresent\n")
    head = scenario.push_branch({"apps/web/deploy.yaml": pulled})
    gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    scenario.inputs["INPUT_BLOCK"] = block
    done = _run(scenario, gh, "pull_request", payloads.pull_request("opened", base=base, head=head))
    [check] = _runs_on(gh, head)
    if block == "new":
        assert done.exit_code == 0, done.stderr
        assert check["conclusion"] == "success"
        assert _top_level(gh) == []
    else:
        assert done.exit_code == 1, done.stderr
        assert check["conclusion"] == "failure"
        assert {c["line"] for c in _top_level(gh)} >= {17, 20}  # existing findings in the hunk
    assert done.outputs["new-findings"] == "0"
