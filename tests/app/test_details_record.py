"""``evaluation_of`` on a real ``diff`` run: findings by file and line, status, context lines."""

from __future__ import annotations

from pathlib import Path

from tests.app.details_run import CREATED, NUMBER, REPOSITORY, details_run
from validator.app.evaluation import EvaluationState
from validator.app.model import JobKind, JobSpec
from validator.app.record import evaluation_of, started_evaluation
from validator.model import Engine, Finding, Location, Report, ResourceRef, Severity
from validator.scm.outcome import Outcome


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


def test_source_lines_of_a_secret_are_never_shown() -> None:

    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n---\n"
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n"
            "  password: hunter2\n")
    lines = text.splitlines()

    def at(line: int, kind: str) -> Finding:
        return Finding(rule_id="R", severity=Severity.ERROR, message="m", engine=Engine.POLICY,
                       location=Location(path="apps/a.yaml", line=line),
                       resource=ResourceRef(api_version="v1", kind=kind, name="x"))

    report = Report(findings=(at(5, "ConfigMap"), at(13, "Secret")), resources=2, files=1)
    outcome = Outcome(report=report, blocking=True, markdown="", change=None,
                      head_lines=lambda path: lines)
    job = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=1, repository=REPOSITORY,
                  clone_url="https://example.invalid/o/r.git", head_sha="b" * 40, base_sha="a" * 40,
                  pull_number=1)
    evaluation = evaluation_of(job, outcome, state=EvaluationState.COMPLETED, conclusion="failure",
                               rendered_diff="", versions={}, created_at=CREATED)
    shown = [c for f in evaluation.findings for c in f.context]
    assert shown  # the ConfigMap's lines are shown
    assert all("hunter2" not in c.text for c in shown)
    assert [c.number for c in evaluation.findings[0].context] == [2, 3, 4, 5, 6, 7]  # not 8
    assert evaluation.findings[1].context == ()  # on the Secret: nothing of it
