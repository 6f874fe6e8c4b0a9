"""``evaluation_of`` on a real ``diff`` run: findings by file and line, status, context lines."""

from __future__ import annotations

from pathlib import Path

from tests.app.details_run import CREATED, NUMBER, REPOSITORY, details_run
from validator.app.evaluation import EvaluationState
from validator.app.model import JobKind, JobSpec
from validator.app.record import started_evaluation


def test_an_evaluation_of_a_real_run(tmp_path: Path) -> None:
    run = details_run(tmp_path / "repo")
    evaluation = run.evaluation
    assert evaluation.id == run.job.evaluation_id
    assert (evaluation.repository, evaluation.pull_number) == (REPOSITORY, NUMBER)
    assert evaluation.pull_url == f"https://github.com/{REPOSITORY}/pull/{NUMBER}"
    assert evaluation.state is EvaluationState.COMPLETED
    assert evaluation.conclusion == "failure"
    statuses = {(f.status, f.path) for f in evaluation.findings}
    assert ("new", "apps/cart.yaml") in statuses
    assert ("existing", "apps/shop.yaml") in statuses
    assert ("fixed", "apps/shop.yaml") in statuses
    keys = [(f.path, f.line or 0) for f in evaluation.findings]
    assert keys == sorted(keys)
    for finding in evaluation.findings:
        if finding.status == "fixed":
            assert finding.context == ()
            continue
        assert finding.line is not None
        assert finding.context
        lines = run.head_text[finding.path].splitlines()
        numbers = [c.number for c in finding.context]
        assert numbers == list(range(max(1, finding.line - 3), min(len(lines), finding.line + 3) + 1))
        assert all(c.text == lines[c.number - 1] for c in finding.context)
    cart = next(f for f in evaluation.findings if f.status == "new")
    assert cart.resource == "Deployment/shop/cart"
    assert cart.severity in {"error", "warning", "info"}
    assert cart.rule
    assert cart.message
    assert evaluation.versions["policies"] == run.job.base_sha
    assert "opa" in evaluation.versions
    assert "gitops-validator" in evaluation.versions
    assert "+++" in evaluation.rendered_diff
    assert "privileged" in evaluation.rendered_diff


def test_a_started_evaluation_is_running_without_findings() -> None:
    job = JobSpec(kind=JobKind.MERGE_GROUP, installation_id=1, repository=REPOSITORY,
                  clone_url="git://example.invalid/x", head_sha="b" * 40, base_sha="a" * 40,
                  head_ref="gh-readonly-queue/main/pr-7", event="merge_group.checks_requested")
    started = started_evaluation(job, CREATED)
    assert started.state is EvaluationState.RUNNING
    assert started.findings == ()
    assert (started.id, started.head_sha, started.base_sha, started.event, started.created_at) == (
        job.evaluation_id, job.head_sha, job.base_sha, job.event, CREATED)
    resolved = started_evaluation(job, CREATED, base_sha="c" * 40)  # the worker resolved it
    assert resolved.base_sha == "c" * 40
    assert started.pull_number is None
    assert started.pull_url == ""  # not an https clone URL
