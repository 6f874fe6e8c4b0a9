"""The GitLab job end to end: a merge request job against the GitLab API test server (python-gitlab
as the client, git over HTTP from a real repository), the real tools, the embedded queue and
evaluation store; the commit status, the discussions, the evaluation."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.action.scenario import deployment
from tests.app.gitlab_job_support import HOOK_SECRET, PUBLIC, Project, add_project, context
from tests.support.gitlab_api import GitLabApiServer
from tests.support.gitlab_events import merge_request_event
from validator.app.details_link import link_key, page_path
from validator.app.evaluation import EvaluationState
from validator.app.gitlab_job import DiffNotReadyError, GitLabAccessError
from validator.app.intake import Intake
from validator.app.job import JobResult, job_functions, process, report_failure
from validator.app.mirror import MirrorError
from validator.app.model import Platform
from validator.app.worker import WorkerPool
from validator.scm.gitlab.client import GitLabCallError
from validator.scm.markers import finding_fingerprint

PROJECT_PATH = "platform/team/gitops"
_OPEN: list[Any] = []


@pytest.fixture
def srv() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as server:
        yield server
        assert not server.violations


@pytest.fixture(autouse=True)
def _close_queues() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _context(project: Project) -> Any:
    ctx, lanes, evaluations = context(project)
    _OPEN.append(lanes)
    return ctx, lanes, evaluations


def _status_states(srv: GitLabApiServer, project_id: int, sha: str) -> list[str]:
    """The states this head's statuses were set to, in order (from the requests the server saw)."""
    path = f"/api/v4/projects/{project_id}/statuses/{sha}"
    states = []
    for request in srv.requests:
        if request.method == "POST" and request.path == path and request.status < 300:
            states.append(str(request.body["state"]))
    return states


def _writes(srv: GitLabApiServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in srv.requests if r.method in {"POST", "PUT", "DELETE"}]


def _diff_notes(srv: GitLabApiServer, project_id: int, iid: int) -> list[dict[str, Any]]:
    """The first notes of the merge request's positioned discussions."""
    return [d["notes"][0] for d in srv.discussions(project_id, iid)
            if d["notes"] and d["notes"][0].get("position")]


def test_a_merge_request_with_a_violation_goes_pending_running_failed_with_a_discussion(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    base, head, iid = project.privileged_merge_request()
    ctx, lanes, evaluations = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    started = time.monotonic()
    assert process(job, ctx) is JobResult.COMPLETED
    print(f"process() of a GitLab one-file change: {time.monotonic() - started:.2f} s")
    assert _status_states(srv, project.project_id, head) == ["pending", "running", "failed"]
    [status] = srv.statuses(project.project_id, head)
    assert status["status"] == "failed"
    details = PUBLIC + page_path(job.evaluation_id, link_key(project.settings.link_secret))
    assert status["target_url"] == details
    [note] = _diff_notes(srv, project.project_id, iid)
    position = note["position"]
    assert (position["new_path"], position["new_line"]) == ("apps/web/deploy.yaml", 20)
    assert position["base_sha"] == base
    assert finding_fingerprint(note["body"]) is not None
    blob = f"{srv.url}/{PROJECT_PATH}/-/blob/{head}/apps/web/deploy.yaml#L20"
    assert any(blob in n["body"] for n in srv.notes(project.project_id, iid)), "the blob URL"
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert (stored.state, stored.conclusion, stored.base_sha) == (EvaluationState.COMPLETED, "failure", base)
    assert stored.pull_url.endswith(f"/{PROJECT_PATH}/-/merge_requests/{iid}")
    assert [s.state for s in evaluations.history] == [EvaluationState.RUNNING, EvaluationState.COMPLETED]
    assert stored.versions["policies"] == base, "policies and configuration come from the base"
    assert ctx.metrics.conclusions.labels(conclusion="failure")._value.get() == 1
    assert ctx.metrics.gitlab_calls._value.get() > 3


def test_the_status_joins_the_merge_requests_head_pipeline_so_the_merge_gate_sees_it(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    """GitLab's "Pipelines must succeed" reads the merge request's head pipeline: a status sent
    with the source branch as its ``ref`` would make a separate external pipeline beside a
    merge request pipeline, which the gate never looks at."""
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ref = f"refs/merge-requests/{iid}/head"
    pipeline = srv.add_pipeline(project.project_id, head, ref=ref)
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    [status] = srv.statuses(project.project_id, head)
    assert (status["status"], status["pipeline_id"], status["ref"]) == ("failed", pipeline, ref)


def test_without_a_head_pipeline_the_status_makes_one_on_the_source_branch(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    [status] = srv.statuses(project.project_id, head)
    assert status["ref"] == job.head_ref
    merge_request = srv.merge_request(project.project_id, iid)
    assert merge_request["head_pipeline"]["id"] == status["pipeline_id"], "that pipeline is the gate's"


def test_the_same_job_again_posts_nothing_twice(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    writes = _writes(srv)
    assert process(job, ctx) is JobResult.SKIPPED  # a retry after it had published
    assert _writes(srv) == writes


def test_a_retry_after_a_crash_between_the_status_and_the_discussions_duplicates_nothing(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    """The first attempt set the final status, then its worker died: the retry syncs the
    discussions and the note once, and a further retry posts nothing."""
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, evaluations = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    details = PUBLIC + page_path(job.evaluation_id, link_key(project.settings.link_secret))
    session = ctx.gitlab_sessions.session()
    try:  # what the dead attempt left: the final status linking this evaluation, nothing else
        for state in ("pending", "running", "failed"):
            session.post(f"/projects/{project.project_id}/statuses/{head}",
                         {"state": state, "name": project.settings.check_name, "target_url": details,
                          "ref": "feature"})
    finally:
        session.close()
    assert srv.discussions(project.project_id, iid) == []
    assert process(job, ctx) is JobResult.COMPLETED
    again = _status_states(srv, project.project_id, head)[3:]
    assert "pending" not in again, "the status is not taken back to pending"
    assert "running" not in again
    assert len(_diff_notes(srv, project.project_id, iid)) == 1
    notes = len(srv.notes(project.project_id, iid))
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert stored.state is EvaluationState.COMPLETED
    assert process(job, ctx) is JobResult.SKIPPED
    assert len(_diff_notes(srv, project.project_id, iid)) == 1
    assert len(srv.notes(project.project_id, iid)) == notes


def test_a_merge_request_that_moved_on_is_skipped_before_anything_is_posted(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    project.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)})
    srv.refresh_merge_request(project.project_id, iid)
    ctx, lanes, evaluations = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.SKIPPED
    assert _writes(srv) == []
    assert evaluations.get(job.evaluation_id) is None


def test_a_job_whose_lane_has_a_newer_push_is_skipped_before_anything_is_posted(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    newer = project.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)})
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    lanes.enqueue(project.job(head=newer, iid=iid))  # its delivery arrived, GitLab not yet updated
    assert process(job, ctx) is JobResult.SKIPPED
    assert _writes(srv) == []


def test_a_push_during_the_job_cancels_its_status(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    newer = project.commit({"apps/api/deploy.yaml": deployment("api", host_network=True)})
    ctx, lanes, evaluations = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    lanes.newer = project.job(head=newer, iid=iid)  # lands right after the job's first look
    assert process(job, ctx) is JobResult.CANCELLED
    assert _status_states(srv, project.project_id, head)[-1] == "canceled"
    assert _diff_notes(srv, project.project_id, iid) == []
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert (stored.state, stored.conclusion) == (EvaluationState.CANCELLED, "cancelled")
    assert ctx.metrics.conclusions.labels(conclusion="cancelled")._value.get() == 1


def test_a_poison_job_fails_its_status_naming_the_error_once(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ctx, _, evaluations = _context(project)
    job = project.job(head=head, iid=iid)
    report_failure(job, ctx, "git fetch timed out", 3)
    writes = _writes(srv)
    report_failure(job, ctx, "git fetch timed out", 3)  # a worker died after reporting: again
    assert _writes(srv) == writes
    assert _status_states(srv, project.project_id, head) == ["failed"]
    said = [status.get("description") or "" for status in srv.statuses(project.project_id, head)]
    said += [note["body"] for note in srv.notes(project.project_id, iid)]
    assert any("gave up after 3 attempts: git fetch timed out" in text for text in said)
    stored = evaluations.get(job.evaluation_id)
    assert stored is not None
    assert stored.state is EvaluationState.FAILED


def test_a_poison_report_fails_the_status_in_the_head_pipeline_its_attempts_left_pending(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ref = f"refs/merge-requests/{iid}/head"
    pipeline = srv.add_pipeline(project.project_id, head, ref=ref)
    ctx, _, _ = _context(project)
    job = project.job(head=head, iid=iid)
    report_failure(job, ctx, "git fetch timed out", 3)
    [status] = srv.statuses(project.project_id, head)
    assert (status["status"], status["pipeline_id"], status["ref"]) == ("failed", pipeline, ref)


def test_the_token_is_never_sent_to_a_clone_url_on_another_host(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    for url in ("https://elsewhere.example/platform/team/gitops.git",
                project.clone_url.replace("http://", "https://")):
        job = replace(project.job(head=head, iid=iid), clone_url=url)
        lanes.enqueue(job)
        with pytest.raises(MirrorError, match="its token is not sent there"):
            process(job, ctx)
    assert srv.requests == [], "nothing read, nothing started: the retry or the poison report says it"


def test_a_token_that_may_not_write_says_which_scope_and_role_it_lacks(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    srv.add_token("glpat-read-only", bot=True, write=False)
    project = replace(project, settings=replace(project.settings, gitlab_token="glpat-read-only"))
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    with pytest.raises(GitLabAccessError, match=r"api scope.*Developer role") as caught:
        process(job, ctx)
    assert "glpat-read-only" not in str(caught.value)


def test_a_token_that_cannot_see_the_project_says_so(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    srv.add_token("glpat-other-project", bot=True, projects=[project.project_id + 1000])
    project = replace(project, settings=replace(project.settings, gitlab_token="glpat-other-project"))
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    with pytest.raises(GitLabAccessError, match="cannot see the project") as caught:
        process(job, ctx)
    assert "glpat-other-project" not in str(caught.value)
    assert _writes(srv) == []


def test_the_next_push_resolves_the_fixed_finding_and_adds_the_new_one(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, first, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    lanes.enqueue(project.job(head=first, iid=iid))
    assert process(project.job(head=first, iid=iid), ctx) is JobResult.COMPLETED
    second = project.commit({"apps/web/deploy.yaml": deployment("web"),
                             "apps/api/deploy.yaml": deployment("api", privileged=True)})
    srv.refresh_merge_request(project.project_id, iid)
    job = project.job(head=second, iid=iid, delivery="uuid-2")
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    threads = [d for d in srv.discussions(project.project_id, iid) if d["notes"][0].get("position")]
    by_path = {d["notes"][0]["position"]["new_path"]: d for d in threads}
    assert sorted(by_path) == ["apps/api/deploy.yaml", "apps/web/deploy.yaml"]
    assert by_path["apps/web/deploy.yaml"]["notes"][0]["resolved"] is True
    assert by_path["apps/api/deploy.yaml"]["notes"][0]["resolved"] is False
    assert by_path["apps/api/deploy.yaml"]["notes"][0]["position"]["head_sha"] == second
    assert srv.statuses(project.project_id, second)[-1]["status"] == "failed"


def test_a_rate_limited_status_is_waited_for_and_counted(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    srv.faults.rate_limit("POST", r"/statuses/", times=1, retry_after=1)
    assert process(job, ctx) is JobResult.COMPLETED
    assert _status_states(srv, project.project_id, head) == ["pending", "running", "failed"]
    assert ctx.metrics.gitlab_rate_limit_waits._value.get() == 1


def test_gitlab_answering_5xx_raises_for_the_worker_to_retry_and_posts_nothing(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    srv.faults.fail("GET", r"/merge_requests/\d+$", 503, times=None, headers={"Retry-After": "0"})
    with pytest.raises(GitLabCallError) as caught:
        process(job, ctx)
    assert caught.value.status == 503
    assert not isinstance(caught.value, GitLabAccessError)
    assert _writes(srv) == []


def test_the_worker_pool_runs_a_gitlab_job_to_its_final_status(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    ctx, queue, _ = _context(project)
    perform, poison = job_functions(ctx)
    pool = WorkerPool(queue, perform, poison, threads=1, metrics=ctx.metrics, poll_seconds=0.05)
    queue.enqueue(project.job(head=head, iid=iid))
    pool.start()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not any(
                s["status"] == "failed" for s in srv.statuses(project.project_id, head)):
            time.sleep(0.05)
    finally:
        assert pool.stop(60)
    assert [s["status"] for s in srv.statuses(project.project_id, head)] == ["failed"]
    assert queue.depth() == 0
    assert ctx.metrics.jobs.labels(result="completed")._value.get() == 1


def test_a_fork_merge_request_is_validated_from_the_target_projects_merge_request_ref(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    """GitLab keeps a fork's commits in the target project under refs/merge-requests/<iid>/head
    (no branch there holds them): the job fetches the head by SHA from the target project."""
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    project.origin.git("update-ref", f"refs/merge-requests/{iid}/head", head)
    project.origin.git("checkout", "-q", "main")
    project.origin.git("branch", "-q", "-D", "feature")  # the source branch lives in the fork
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    assert process(job, ctx) is JobResult.COMPLETED
    assert [s["status"] for s in srv.statuses(project.project_id, head)] == ["failed"]
    assert len(_diff_notes(srv, project.project_id, iid)) == 1


def test_a_hook_delivery_through_intake_becomes_a_job_that_reaches_its_status(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    """Intake's job (project id, ``git_http_url``, no base: the worker reads ``diff_refs``) is
    one the worker runs as is."""
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    ctx, queue, _ = _context(project)
    payload = merge_request_event(srv, project.project_id, iid, action="open")
    answer = Intake(project.settings, queue, ctx.metrics).receive_gitlab(
        {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": HOOK_SECRET,
         "X-Gitlab-Event-UUID": "uuid-hook-1", "Content-Type": "application/json"},
        json.dumps(payload).encode())
    assert answer.status == 202, answer
    leased = queue.lease("test-worker")
    assert leased is not None
    assert (leased.job.platform, leased.job.head_sha, leased.job.base_sha) == (Platform.GITLAB, head, "")
    assert process(leased.job, ctx) is JobResult.COMPLETED
    assert [s["status"] for s in srv.statuses(project.project_id, head)] == ["failed"]
    assert len(_diff_notes(srv, project.project_id, iid)) == 1


def test_a_head_whose_diff_gitlab_has_not_computed_yet_is_retried_before_anything_is_posted(
        tmp_path: Path, srv: GitLabApiServer) -> None:
    """Right after a push GitLab may answer the new head with no diff_refs yet: positions would
    be missing, so the attempt fails (the worker retries) instead of posting unpositioned notes."""
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    with srv.state.lock:  # the merge request's diff is still being computed
        srv.state.merge_requests[(project.project_id, iid)].start_sha = ""
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    with pytest.raises(DiffNotReadyError, match="has not computed the diff"):
        process(job, ctx)
    assert _writes(srv) == []
    srv.refresh_merge_request(project.project_id, iid)  # GitLab is done
    assert process(job, ctx) is JobResult.COMPLETED
    assert len(_diff_notes(srv, project.project_id, iid)) == 1


def test_a_rerun_sets_a_new_status_and_repeats_no_discussion(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    lanes.enqueue(project.job(head=head, iid=iid))
    assert process(project.job(head=head, iid=iid), ctx) is JobResult.COMPLETED
    again = project.job(head=head, iid=iid, rerun=True, delivery="uuid-rerun")
    assert process(again, ctx) is JobResult.COMPLETED
    statuses = srv.statuses(project.project_id, head)
    assert [s["status"] for s in statuses] == ["failed", "failed"]
    assert statuses[-1]["target_url"].startswith(f"{PUBLIC}/evaluations/{again.evaluation_id}/")
    assert len(_diff_notes(srv, project.project_id, iid)) == 1, "the finding's discussion is not repeated"


def test_no_log_line_carries_the_token_even_at_debug(tmp_path: Path, srv: GitLabApiServer,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    project = add_project(srv, tmp_path, public_url=PUBLIC)
    _, head, iid = project.privileged_merge_request()
    ctx, lanes, _ = _context(project)
    job = project.job(head=head, iid=iid)
    lanes.enqueue(job)
    caplog.set_level(logging.DEBUG)
    assert process(job, ctx) is JobResult.COMPLETED
    report_failure(job, ctx, "a poison report after all", 3)
    assert caplog.records, "the job logged"
    assert srv.token not in caplog.text
    assert srv.token not in repr(ctx)
