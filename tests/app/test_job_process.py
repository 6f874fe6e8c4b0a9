"""The job function end to end: a JobSpec against the GitHub API test server (app, installation,
git over HTTP), a real git repository, the real tools; the check run, comments and evaluation."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.action.scenario import deployment
from tests.app.job_support import INSTALLATION, REPO, Evaluations, Installed, PushDuringJob, install
from tests.support.github_api import GitHubApiServer
from validator.app.context import JobContext, build_context
from validator.app.details_link import link_key, page_path
from validator.app.evaluation import EvaluationState
from validator.app.events import RERUN_ACTION
from validator.app.job import JobResult, job_functions, process, report_failure
from validator.app.metrics import AppMetrics
from validator.app.model import JobKind, JobSpec
from validator.app.worker import WorkerPool
from validator.errors import ValidatorError
from validator.lifecycle import current
from validator.process import Command, start, stop
from validator.run_scope import run_scope
from validator.scm.github.client import GitHubCallError
from validator.scm.github.publisher import GitHubPublisher, PublishSettings, PublishTarget
from validator.scm.markers import finding_fingerprint

PUBLIC = "https://validator.example.test"


_OPEN: list[PushDuringJob] = []


@pytest.fixture(autouse=True)
def _close_queues() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _context(env: Installed) -> tuple[JobContext, PushDuringJob, Evaluations]:
    """The job's context on the embedded queue (in the test's data folder)."""
    env.settings.data_dir.mkdir(parents=True, exist_ok=True)
    lanes = PushDuringJob(env.settings.data_dir / "queue.sqlite3")
    evaluations = Evaluations(env.settings.data_dir / "evaluations.sqlite3")
    _OPEN.append(lanes)
    return build_context(env.settings, lanes, evaluations, AppMetrics()), lanes, evaluations


def _job(env: Installed, *, head: str, base: str, number: int | None = 7,
         kind: JobKind = JobKind.PULL_REQUEST, rerun: bool = False, delivery: str = "d-1") -> JobSpec:
    return JobSpec(kind=kind, installation_id=INSTALLATION, repository=REPO, clone_url=env.clone_url,
                   head_sha=head, base_sha=base, pull_number=number, head_ref="feature", base_ref="main",
                   event="pull_request.opened", delivery=delivery, rerun=rerun)


def _runs_on(gh: GitHubApiServer, sha: str) -> list[dict[str, Any]]:
    return [run for run in gh.state.check_runs.values() if run["head_sha"] == sha]


def _review_comments(gh: GitHubApiServer) -> list[dict[str, Any]]:
    return [c for c in gh.state.review_comments.values() if not c.get("in_reply_to_id")]


def _privileged_pr(env: Installed) -> tuple[str, str]:
    base = env.origin.git("rev-parse", "main")
    head = env.commit({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    env.gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    return base, head


def test_a_violation_gets_a_failed_check_run_a_comment_and_an_evaluation(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path, public_url=PUBLIC)
    base, head = _privileged_pr(env)
    ctx, lanes, evaluations = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    started = time.monotonic()
    assert process(job, ctx) is JobResult.COMPLETED
    print(f"process() of a one-file change: {time.monotonic() - started:.2f} s")
    [run] = _runs_on(github_api, head)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["external_id"] == job.evaluation_id
    assert run["details_url"] == PUBLIC + page_path(job.evaluation_id, link_key(env.settings.webhook_secret))
    notes = github_api.state.annotations[run["id"]]
    assert ("apps/web/deploy.yaml", 20, "failure") in {
        (a["path"], a["start_line"], a["annotation_level"]) for a in notes}
    [comment] = _review_comments(github_api)
    assert (comment["path"], comment["line"]) == ("apps/web/deploy.yaml", 20)
    assert finding_fingerprint(comment["body"]) is not None
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert (stored.state, stored.conclusion, stored.base_sha) == (EvaluationState.COMPLETED, "failure", base)
    assert [s.state for s in evaluations.history] == [EvaluationState.RUNNING, EvaluationState.COMPLETED]
    assert [(f.status, f.rule, f.path, f.line) for f in stored.findings if f.rule == "K8S-001"] == [
        ("new", "K8S-001", "apps/web/deploy.yaml", 20)]
    [privileged] = [f for f in stored.findings if f.rule == "K8S-001"]
    assert [(c.number, c.text.strip()) for c in privileged.context][3] == (20, "privileged: true")
    assert [c.number for c in privileged.context] == list(range(17, 22))  # the file ends at 21
    assert "privileged" in stored.rendered_diff
    assert stored.versions["policies"] == base, "policies and configuration come from the base"
    assert {"opa", "helm", "kustomize", "gitops-validator"} <= stored.versions.keys()
    assert ctx.metrics.conclusions.labels(conclusion="failure")._value.get() == 1
    assert ctx.metrics.github_calls._value.get() > 3
    assert not github_api.violations


def test_the_same_job_again_posts_nothing_twice(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    comments, summaries = len(_review_comments(github_api)), len(github_api.state.issue_comments)
    assert process(job, ctx) is JobResult.SKIPPED  # a retry after it had published
    assert len(_runs_on(github_api, head)) == 1
    assert (len(_review_comments(github_api)), len(github_api.state.issue_comments)) == (comments, summaries)


def test_a_retry_of_a_job_that_died_mid_run_completes_the_same_check_run(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    # the first attempt started the check run, then its worker died
    session = ctx.github.installation_session(INSTALLATION)
    GitHubPublisher(session, PublishTarget(repository=REPO, head_sha=head, pull_number=7,
                                           external_id=job.evaluation_id), PublishSettings()).start()
    assert process(job, ctx) is JobResult.COMPLETED
    [run] = _runs_on(github_api, head)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")


def test_a_retry_of_a_job_that_died_after_completing_its_check_run_posts_the_comments(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    """The worker died between the check run's completion and the comments: the retry
    completes the same check run again and posts what is missing (found by markers)."""
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, evaluations = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    session = ctx.github.installation_session(INSTALLATION)
    died = GitHubPublisher(session, PublishTarget(repository=REPO, head_sha=head, pull_number=7,
                                                  external_id=job.evaluation_id), PublishSettings())
    died.start()
    died.cancel("the worker died before the comments")  # a completed run, nothing else posted
    assert _review_comments(github_api) == []
    assert process(job, ctx) is JobResult.COMPLETED
    [run] = _runs_on(github_api, head)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert len(_review_comments(github_api)) == 1
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert stored.state is EvaluationState.COMPLETED


def test_a_rerun_runs_again_on_a_new_check_run(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    again = _job(env, head=head, base=base, rerun=True, delivery="d-2")
    assert process(again, ctx) is JobResult.COMPLETED
    runs = _runs_on(github_api, head)
    assert [r["conclusion"] for r in runs] == ["failure", "failure"]
    assert len(_review_comments(github_api)) == 1, "the finding's comment is not repeated"


def test_the_completed_check_run_offers_a_rerun_button_intake_recognises(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    [run] = _runs_on(github_api, head)
    [action] = run["actions"]
    assert action["identifier"] == RERUN_ACTION
    assert action["label"] == "Re-run"


def test_a_job_whose_lane_moved_on_is_skipped_without_posting(tmp_path: Path,
                                                              github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    newer = env.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)})
    ctx, lanes, evaluations = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    lanes.enqueue(_job(env, head=newer, base=base))
    assert process(job, ctx) is JobResult.SKIPPED
    assert _runs_on(github_api, head) == []
    assert evaluations.saved == {}


def test_a_job_whose_pull_request_moved_on_is_skipped(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    newer = env.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)})
    github_api.update_pull_request(REPO, 7, head_sha=newer)
    ctx, lanes, _ = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.SKIPPED
    assert _runs_on(github_api, head) == []


def test_a_push_during_the_job_cancels_its_check_run(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    newer = env.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)})
    ctx, lanes, evaluations = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    lanes.newer = _job(env, head=newer, base=base)  # lands right after the job's first look
    assert process(job, ctx) is JobResult.CANCELLED
    [run] = _runs_on(github_api, head)
    assert (run["status"], run["conclusion"]) == ("completed", "cancelled")
    assert newer[:12] in run["output"]["summary"]
    assert _review_comments(github_api) == []
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert (stored.state, stored.conclusion) == (EvaluationState.CANCELLED, "cancelled")


def test_a_commit_job_runs_each_open_pull_request_of_its_head(tmp_path: Path,
                                                               github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, _, evaluations = _context(env)
    job = _job(env, head=head, base="", number=None, kind=JobKind.COMMIT)
    assert process(job, ctx) is JobResult.COMPLETED
    [run] = _runs_on(github_api, head)
    assert run["conclusion"] == "failure"
    assert len(_review_comments(github_api)) == 1
    [stored] = evaluations.saved.values()
    assert (stored.pull_number, stored.base_sha) == (7, base)


def test_a_poison_job_fails_its_check_run_saying_why(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, _, evaluations = _context(env)
    job = _job(env, head=head, base=base)
    report_failure(job, ctx, "git fetch timed out", 3)
    report_failure(job, ctx, "git fetch timed out", 3)  # a worker died after reporting: again
    [run] = _runs_on(github_api, head)
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "gave up after 3 attempts: git fetch timed out" in run["output"]["summary"]
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert stored.state is EvaluationState.FAILED


@pytest.mark.parametrize("runs", [5])
def test_measure_one_file_change(tmp_path: Path, github_api: GitHubApiServer, runs: int) -> None:
    """Wall time of process() for a one-file change, each a new push (printed; no assertion on it)."""
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    times = []
    for index in range(runs):
        if index:
            head = env.commit({"apps/web/deploy.yaml": deployment("web", privileged=index % 2 == 0)})
            github_api.update_pull_request(REPO, 7, head_sha=head)
        job = _job(env, head=head, base=base)
        lanes.enqueue(job)
        started = time.monotonic()
        assert process(job, ctx) is JobResult.COMPLETED
        times.append(time.monotonic() - started)
    print(f"process() one-file change x{runs}: p50 {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s, first {times[0]:.2f} s")


def test_a_revoked_token_fails_the_attempt_and_the_retry_mints_a_new_one(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    job = _job(env, head=head, base=base)
    lanes.enqueue(job)
    revoked = ctx.github.installation_token(INSTALLATION)
    del github_api.state.tokens[revoked]
    with pytest.raises(GitHubCallError):
        process(job, ctx)
    assert process(job, ctx) is JobResult.COMPLETED
    assert ctx.github.installation_token(INSTALLATION) != revoked


def test_a_merge_group_gets_a_check_run_and_no_comments(tmp_path: Path, github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base = env.origin.git("rev-parse", "main")
    head = env.commit({"apps/web/deploy.yaml": deployment("web", privileged=True)},
                      branch="gh-readonly-queue/main/pr-7")
    ctx, lanes, _ = _context(env)
    job = JobSpec(kind=JobKind.MERGE_GROUP, installation_id=INSTALLATION, repository=REPO,
                  clone_url=env.clone_url, head_sha=head, base_sha=base,
                  head_ref="refs/heads/gh-readonly-queue/main/pr-7", base_ref="refs/heads/main",
                  event="merge_group.checks_requested", delivery="d-9")
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    [run] = _runs_on(github_api, head)
    assert run["conclusion"] == "failure"
    assert (github_api.state.review_comments, github_api.state.issue_comments) == ({}, {})


def test_the_embedded_worker_pool_runs_jobs_to_completed_check_runs(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    """Two pull requests of one repository, two worker threads: both complete, once each."""
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    other = env.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)}, branch="other")
    github_api.add_pull_request(REPO, number=8, base_sha=base, head_sha=other, head_ref="other")
    ctx, queue, _ = _context(env)
    perform, poison = job_functions(ctx)
    pool = WorkerPool(queue, perform, poison, threads=2, metrics=ctx.metrics, poll_seconds=0.05)
    queue.enqueue(_job(env, head=head, base=base))
    queue.enqueue(replace(_job(env, head=other, base=base, number=8), head_ref="other"))
    pool.start()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not all(
                any(r["status"] == "completed" for r in _runs_on(github_api, sha)) for sha in (head, other)):
            time.sleep(0.05)
    finally:
        assert pool.stop(60)
    assert [r["conclusion"] for r in _runs_on(github_api, head)] == ["failure"]
    assert [r["conclusion"] for r in _runs_on(github_api, other)] == ["failure"]
    assert queue.depth() == 0
    assert ctx.metrics.jobs.labels(result="completed")._value.get() == 2


def test_the_token_is_never_sent_to_a_clone_url_on_another_host(tmp_path: Path,
                                                               github_api: GitHubApiServer) -> None:
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    ctx, lanes, _ = _context(env)
    job = replace(_job(env, head=head, base=base), clone_url="https://elsewhere.example/octo-org/gitops.git")
    lanes.enqueue(job)
    with pytest.raises(ValidatorError, match="not on the GitHub host"):
        process(job, ctx)
    assert github_api.git_log.requests == []
    assert _runs_on(github_api, head) == [], "nothing started: the retry or the poison report says it"


class _AnotherRunEndsMidJob(PushDuringJob):
    """While the job runs (its lane is read inside the clone), a child of the job is running
    and another thread's run (run_diff in another job) starts and ends."""

    def __init__(self, path: Path, log: Path) -> None:
        super().__init__(path)
        self.log = log
        self.child_survived: bool | None = None
        self.reads = 0

    def latest_head(self, lane: str) -> str | None:
        answer = super().latest_head(lane)
        self.reads += 1
        if self.reads == 2:  # the first read inside the clone
            child = start(Command(args=("sleep", "30")), log_path=self.log)
            try:
                other = threading.Thread(target=_one_run)
                other.start()
                other.join(timeout=60)
                self.child_survived = child.poll() is None
            finally:
                stop(child)
        return answer


def _one_run() -> None:
    with current().job(), run_scope():
        pass


def test_another_threads_run_ending_does_not_kill_a_running_jobs_git(
        tmp_path: Path, github_api: GitHubApiServer) -> None:
    """The end of the last run scope kills every registered child: a job holds a scope for its
    whole life (fetch, clone and the head's lines run git outside run_diff)."""
    env = install(github_api, tmp_path)
    base, head = _privileged_pr(env)
    env.settings.data_dir.mkdir(parents=True, exist_ok=True)
    queue = _AnotherRunEndsMidJob(env.settings.data_dir / "queue.sqlite3", tmp_path / "child.log")
    _OPEN.append(queue)
    evaluations = Evaluations(env.settings.data_dir / "evaluations.sqlite3")
    ctx = build_context(env.settings, queue, evaluations, AppMetrics())
    job = _job(env, head=head, base=base)
    queue.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    assert queue.child_survived is True
