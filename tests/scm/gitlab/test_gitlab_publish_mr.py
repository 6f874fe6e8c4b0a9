"""The GitLab publisher against the GitLab API test server: real git, real ``diff`` runs,
python-gitlab over loopback HTTP, positions checked by the server with GitLab's rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.scm.github.scenario import PATH, deployment, line_of, outcome_of
from tests.scm.gitlab.mr_scenario import (
    TARGET_URL,
    MrPushes,
    diff_discussions,
    open_mr,
    publish,
    push,
)
from tests.support.gitlab_api import LINE_CODE_MESSAGE, GitLabApiServer
from validator.change.block import Block
from validator.model import FindingStatus
from validator.scm import markers
from validator.scm.outcome import Outcome

WRITES = ("POST", "PUT")


def _new(outcome: Outcome) -> dict[str, int]:
    """Fingerprint -> head line of the new findings on a line (each is on a changed line)."""
    return {f.fingerprint: f.location.line for f in outcome.report.findings
            if f.status is FindingStatus.NEW and f.location.line > 0}


def _threads(discussions: list[dict[str, object]]) -> dict[str | None, int]:
    """Fingerprint -> new_line of positioned discussions."""
    return {markers.finding_fingerprint(d["notes"][0]["body"]): d["notes"][0]["position"]["new_line"]  # type: ignore[index]
            for d in discussions}


def test_mr_opened_with_violations_fails_the_status_and_discusses_the_lines(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "opened", mr_pushes.first)
        run = publish(srv, pid, iid, mr_pushes.outcome_first)
        assert run.result.problems == ()
        assert run.result.state == "failed"
        assert run.result.status_set
        statuses = srv.statuses(pid, mr_pushes.first)
        assert [s["status"] for s in statuses] == ["failed"]  # pending -> running -> failed, one status
        assert statuses[0]["name"] == markers.DEFAULT_CHECK
        assert statuses[0]["target_url"] == TARGET_URL
        assert "new finding" in statuses[0]["description"]
        threads = diff_discussions(srv, pid, iid)
        assert _threads(threads) == _new(mr_pushes.outcome_first), "every new finding, on its line"
        db_end = line_of(mr_pushes.text_first, "---")
        assert min(_threads(threads).values()) > db_end, "the unchanged db stays without discussions"
        for thread in threads:
            place = thread["notes"][0]["position"]  # type: ignore[index]
            assert (place["old_path"], place["new_path"]) == (PATH, PATH)
            assert "old_line" not in place or place["old_line"] is None
        privileged = line_of(mr_pushes.text_first, "privileged: true")
        first = next(t for t in threads if t["notes"][0]["position"]["new_line"] == privileged)  # type: ignore[index]
        assert "```suggestion:-0+0\n            privileged: false\n```" in first["notes"][0]["body"]  # type: ignore[index]
        assert run.result.discussions_posted == len(threads)
        # 4 status calls, GET /user, one discussions listing, the discussions, the summary note
        assert len(run.requests) <= 7 + len(threads), run.requests
        summary = [n for n in srv.notes(pid, iid) if markers.is_summary(n["body"], markers.DEFAULT_CHECK)]
        assert len(summary) == 1
        assert srv.violations == []
        assert srv.position_rejections == []


def test_a_push_that_fixes_one_and_adds_another_resolves_one_and_adds_one(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "pushed", mr_pushes.first)
        publish(srv, pid, iid, mr_pushes.outcome_first)
        push(srv, mr_pushes.repo, (pid, iid), "pushed", mr_pushes.second)
        run = publish(srv, pid, iid, mr_pushes.outcome_second)
        assert run.result.problems == ()
        before, after = _new(mr_pushes.outcome_first), _new(mr_pushes.outcome_second)
        fixed, added = before.keys() - after.keys(), after.keys() - before.keys()
        kept = before.keys() & after.keys()
        assert fixed
        assert added
        assert kept
        assert (run.result.discussions_posted, run.result.discussions_kept,
                run.result.discussions_resolved) == (len(added), len(kept), len(fixed))
        threads = diff_discussions(srv, pid, iid)
        by_print = {markers.finding_fingerprint(d["notes"][0]["body"]): d for d in threads}  # type: ignore[index]
        assert len(by_print) == len(threads) == len(before) + len(added), "nothing duplicated"
        for fingerprint, thread in by_print.items():
            notes = thread["notes"]
            assert notes[0]["resolved"] is (fingerprint in fixed)  # type: ignore[index]
            if fingerprint in fixed:
                assert len(notes) == 2  # type: ignore[arg-type]
                assert notes[1]["body"].startswith(f"Fixed in {mr_pushes.second[:12]}")  # type: ignore[index]
        host = line_of(mr_pushes.text_second, "hostNetwork: true")
        assert host in {after[f] for f in added}
        assert _threads([by_print[f] for f in added]) == {f: after[f] for f in added}
        assert [s["status"] for s in srv.statuses(pid, mr_pushes.second)] == ["failed"]
        again = publish(srv, pid, iid, mr_pushes.outcome_second, start=False)
        assert [r for r in again.requests if r[0] in WRITES] == []
        assert again.result.discussions_kept == len(after)
        assert srv.violations == []


def test_a_rejected_position_becomes_a_general_note_and_the_rest_are_posted(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "rejected", mr_pushes.first)
        srv.faults.fail("POST", r"/merge_requests/\d+/discussions$", 400, times=1,
                        body={"message": LINE_CODE_MESSAGE})
        run = publish(srv, pid, iid, mr_pushes.outcome_first)
        count = len(_new(mr_pushes.outcome_first))
        assert (run.result.discussions_posted, run.result.notes_fallback) == (count - 1, 1)
        assert len(diff_discussions(srv, pid, iid)) == count - 1
        general = [n for n in srv.notes(pid, iid) if n["type"] is None
                   and markers.finding_fingerprint(n["body"]) is not None]
        assert len(general) == 1
        assert general[0]["body"].startswith(f"`{PATH}` line ")
        summary = next(n for n in srv.notes(pid, iid) if markers.is_summary(n["body"], markers.DEFAULT_CHECK))
        assert "GitLab refused the position" in summary["body"]
        again = publish(srv, pid, iid, mr_pushes.outcome_first, start=False)
        assert (again.result.discussions_posted, again.result.notes_fallback,
                again.result.discussions_kept) == (0, 0, count)
        assert [r for r in again.requests if r[0] == "POST"] == []


def test_a_rate_limited_answer_is_retried_after_retry_after(mr_pushes: MrPushes) -> None:
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, mr_pushes.repo, "limited", mr_pushes.first)
        srv.faults.rate_limit("POST", r"/merge_requests/\d+/discussions$", times=1, retry_after=1)
        run = publish(srv, pid, iid, mr_pushes.outcome_first)
        assert run.result.problems == ()
        assert run.waits == [1.0]
        count = len(_new(mr_pushes.outcome_first))
        assert run.result.discussions_posted == count
        assert [r.status for r in srv.requests if r.method == "POST" and r.path.endswith("/discussions")] \
            == [429] + [201] * count
        assert len(diff_discussions(srv, pid, iid)) == count


def test_a_finding_on_a_context_line_has_old_and_new_line(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write(PATH, deployment("db", privileged=True) + "---\n" + deployment("web"))
    base = repo.commit("base")
    text = (deployment("db", privileged=True).replace("nginx:1.27", "nginx:1.28") + "---\n"
            + deployment("web"))
    repo.write(PATH, text)
    head = repo.commit("db image bumped")
    repo.git("reset", "-q", "--hard", base)
    outcome = replace(outcome_of(repo, base, head), block=Block.ALL)
    with GitLabApiServer() as srv:
        pid, iid = open_mr(srv, repo, "bump", head)
        run = publish(srv, pid, iid, outcome)
        assert run.result.problems == ()
        places = [d["notes"][0]["position"] for d in diff_discussions(srv, pid, iid)]  # type: ignore[index]
        image = line_of(text, "nginx:1.28")
        line = line_of(text, "privileged: true")
        assert {"old_line": line, "new_line": line} in [
            {"old_line": p["old_line"], "new_line": p["new_line"]} for p in places]
        for place in places:  # the existing findings around the bumped image: context lines
            expected = None if place["new_line"] == image else place["new_line"]
            assert place["old_line"] == expected, place
        assert srv.position_rejections == []
        assert srv.violations == []
