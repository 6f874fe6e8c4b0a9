"""The GitLab publisher's rules against the test server: whose notes count, refused writes,
the discussion bound, status transitions, findings outside the diff, findings that return."""

from __future__ import annotations

from dataclasses import replace

from tests.scm.gitlab.mr_scenario import (
    PROJECT,
    TARGET_URL,
    MrPushes,
    diff_discussions,
    open_mr,
    publish,
    push,
)
from tests.support.gitlab_api import GitLabApiServer
from validator.change.block import Block
from validator.model import FindingStatus
from validator.scm import markers
from validator.scm.gitlab.client import GitLabSession
from validator.scm.gitlab.position import DiffRefs
from validator.scm.gitlab.publisher import GitLabPublisher, GitLabPublishSettings, MergeRequestTarget
from validator.scm.outcome import Outcome


def _new(outcome: Outcome) -> set[str]:
    return {f.fingerprint for f in outcome.report.findings
            if f.status is FindingStatus.NEW and f.location.line > 0}


def _publisher(srv: GitLabApiServer, pid: int, iid: int, token: str | None = None,
               log: list[str] | None = None) -> GitLabPublisher:
    mr = srv.merge_request(pid, iid)
    target = MergeRequestTarget(project_id=pid, project_path=PROJECT, head_sha=mr["sha"], iid=iid,
                                diff_refs=DiffRefs.from_api(mr["diff_refs"]), ref=mr["source_branch"],
                                target_url=TARGET_URL)
    session = GitLabSession(srv.url, token or srv.token, timeout=5, max_wait=5)
    return GitLabPublisher(session, target, GitLabPublishSettings(),
                           log=(log if log is not None else []).append)


def test_a_person_quoting_markers_is_neither_counted_nor_edited(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "quoted", mr_pushes.first)
        person = "glpat-a-person"
        srv.add_token(person, bot=False, username="alice")
        quoted = next(iter(_new(mr_pushes.outcome_first)))
        body = (f"copied: {markers.finding_marker(quoted)}\n"
                f"{markers.summary_marker(markers.DEFAULT_CHECK)}\n")
        session = GitLabSession(srv.url, person, timeout=5)
        session.post(f"/projects/{pid}/merge_requests/{iid}/notes", {"body": body})
        run = publish(srv, pid, iid, mr_pushes.outcome_first)
        assert run.result.discussions_posted == len(_new(mr_pushes.outcome_first))
        assert run.result.discussions_kept == 0
        notes = srv.notes(pid, iid)
        assert [n["body"] for n in notes if n["author"]["username"] == "alice"] == [body]
        ours = [n for n in notes if n["author"]["username"] != "alice"
                and markers.is_summary(n["body"], markers.DEFAULT_CHECK)]
        assert len(ours) == 1


def test_a_token_that_may_not_write_stops_and_reports(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "readonly", mr_pushes.first)
        srv.add_token("glpat-read-only", write=False)
        run = publish(srv, pid, iid, mr_pushes.outcome_first, token="glpat-read-only")
        assert not run.result.status_set
        assert run.result.problems
        assert "403" in run.result.problems[0]
        writes = [r for r in run.requests if r[0] in ("POST", "PUT")]
        assert len(writes) == 1, "the first refused write stops every other"
        assert srv.statuses(pid, mr_pushes.first) == []
        assert srv.notes(pid, iid) == []


def test_discussions_are_bounded_and_the_rest_is_said_in_the_summary(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "bounded", mr_pushes.first)
        run = publish(srv, pid, iid, mr_pushes.outcome_first, max_comments=2)
        assert run.result.discussions_posted == 2
        assert len(diff_discussions(srv, pid, iid)) == 2
        summary = next(n for n in srv.notes(pid, iid) if markers.is_summary(n["body"], markers.DEFAULT_CHECK))
        assert "beyond the limit of 2 discussions" in summary["body"]
        again = publish(srv, pid, iid, mr_pushes.outcome_first, max_comments=2, start=False)
        assert (again.result.discussions_posted, again.result.discussions_kept) == (0, 2)
        assert [r for r in again.requests if r[0] in ("POST", "PUT")] == []


def test_status_transitions_repeats_cancel_and_finished_status(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "states", mr_pushes.first)
        log: list[str] = []
        publisher = _publisher(srv, pid, iid, log=log)
        assert publisher.finished_status() is None
        publisher.start()
        publisher.start()  # GitLab refuses pending -> pending: the status says it already
        publisher.running()
        publisher.running()
        assert [s["status"] for s in srv.statuses(pid, mr_pushes.first)] == ["running"]
        result = publisher.complete(mr_pushes.outcome_first)
        assert result.problems == ()
        assert any("already" in line for line in log)
        finished = publisher.finished_status()
        assert finished is not None
        assert finished["status"] == "failed"
        other = _publisher(srv, pid, iid)
        other.start()
        assert other.cancel("a newer push superseded this head")
        assert [s["status"] for s in srv.statuses(pid, mr_pushes.first)] == ["failed", "canceled"]
        assert srv.violations == []


def test_findings_outside_the_diff_are_listed_in_the_summary(mr_pushes: MrPushes) -> None:
    outcome = replace(mr_pushes.outcome_first, block=Block.ALL)
    change = outcome.change
    assert change is not None
    commentable = change.files[0].commentable
    outside = sorted({f.location.line for f in outcome.report.findings if f.location.line > 0
                      and not any(f.location.line in r for r in commentable)})
    assert outside, "the unchanged db's existing findings are outside the diff"
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "outside", mr_pushes.first)
        run = publish(srv, pid, iid, outcome)
        assert run.result.problems == ()
        summary = next(n for n in srv.notes(pid, iid) if markers.is_summary(n["body"], markers.DEFAULT_CHECK))
        section = summary["body"].split("**Outside the diff:**", 1)[1]
        for line in outside:
            assert f"apps/shop.yaml:{line} " in section
        posted = {d["notes"][0]["position"]["new_line"] for d in diff_discussions(srv, pid, iid)}  # type: ignore[index]
        assert not posted & set(outside)


def test_a_finding_that_returns_after_its_fix_is_discussed_again_once(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "returns", mr_pushes.first)
        publish(srv, pid, iid, mr_pushes.outcome_first)
        push(srv, mr_pushes.repo, (pid, iid), "returns", mr_pushes.second)
        second = publish(srv, pid, iid, mr_pushes.outcome_second)
        fixed = _new(mr_pushes.outcome_first) - _new(mr_pushes.outcome_second)
        assert second.result.discussions_resolved == len(fixed)
        push(srv, mr_pushes.repo, (pid, iid), "returns", mr_pushes.first)
        back = publish(srv, pid, iid, mr_pushes.outcome_first)
        assert back.result.problems == ()
        assert back.result.discussions_posted == len(fixed)
        again = publish(srv, pid, iid, mr_pushes.outcome_first, start=False)
        assert again.result.discussions_posted == 0
        assert [r for r in again.requests if r[0] in ("POST", "PUT")] == []


def test_a_discussion_post_without_an_answer_is_not_sent_again(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "unanswered", mr_pushes.first)
        srv.faults.fail("POST", r"/merge_requests/\d+/discussions$", None, times=1, delay=2.0)
        run = publish(srv, pid, iid, mr_pushes.outcome_first, timeout=1.0)
        count = len(_new(mr_pushes.outcome_first))
        assert run.result.discussions_posted == count - 1
        assert any("no answer" in p for p in run.result.problems)
        summary = next(n for n in srv.notes(pid, iid) if markers.is_summary(n["body"], markers.DEFAULT_CHECK))
        assert "the next run posts it if it is missing" in summary["body"]
        srv.close()  # drains the delayed request: GitLab acted on it
        posts = [r for r in srv.requests if r.method == "POST" and r.path.endswith("/discussions")]
        assert len(posts) == count, "the unanswered POST is not re-sent"
        assert len(diff_discussions(srv, pid, iid)) == count
        srv.start()  # the same state on a new port: the next push's run
        again = publish(srv, pid, iid, mr_pushes.outcome_first, start=False)
        assert (again.result.discussions_posted, again.result.discussions_kept) == (0, count)


def test_without_diff_refs_every_finding_is_listed_in_the_summary(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "norefs", mr_pushes.first)
        mr = srv.merge_request(pid, iid)
        target = MergeRequestTarget(project_id=pid, project_path=PROJECT, head_sha=mr["sha"], iid=iid)
        publisher = GitLabPublisher(GitLabSession(srv.url, srv.token, timeout=5), target,
                                    GitLabPublishSettings())
        result = publisher.complete(mr_pushes.outcome_first)
        assert result.problems == ()
        assert diff_discussions(srv, pid, iid) == []
        summary = next(n for n in srv.notes(pid, iid) if markers.is_summary(n["body"], markers.DEFAULT_CHECK))
        section = summary["body"].split("**Outside the diff:**", 1)[1]
        for fingerprint in _new(mr_pushes.outcome_first):
            finding = next(f for f in mr_pushes.outcome_first.report.findings if f.fingerprint == fingerprint)
            assert f"apps/shop.yaml:{finding.location.line} {finding.rule_id}" in section
