"""Positioned discussions and notes through python-gitlab, with GitLab's position rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gitlab
import pytest

from tests.gitlab_api.scene import Scene, open_mr
from tests.support.gitlab_api import LINE_CODE_MESSAGE, GitLabApiServer


def _mr(srv: GitLabApiServer, scene: Scene) -> Any:
    gl = gitlab.Gitlab(srv.url, private_token=srv.token)
    return gl.projects.get(scene.project_id, lazy=True).mergerequests.get(scene.iid)


def _position(mr: Any, *, old_line: int | None, new_line: int | None,
              path: str = "deploy.yaml") -> dict[str, Any]:
    return {**mr.diff_refs, "position_type": "text", "old_path": path, "new_path": path,
            "old_line": old_line, "new_line": new_line}


def test_discussion_on_an_added_line(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        position = _position(mr, old_line=None, new_line=11)
        created = mr.discussions.create({"body": "finding", "position": position})
        note = created.attributes["notes"][0]
        assert note["type"] == "DiffNote"
        assert note["resolvable"] is True
        assert note["resolved"] is False
        assert note["position"]["new_line"] == 11
        assert note["position"]["old_line"] is None
        assert note["author"]["username"] == "gitops-validator-bot"
        stored = srv.discussions(scene.project_id, scene.iid)
        assert [d["id"] for d in stored] == [created.id]
        assert srv.violations == []
        assert srv.position_rejections == []


def test_discussion_on_a_context_line_needs_both_lines(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        mr.discussions.create({"body": "context", "position": _position(mr, old_line=8, new_line=8)})
        with pytest.raises(gitlab.GitlabCreateError) as refused:
            mr.discussions.create({"body": "context", "position": _position(mr, old_line=None, new_line=8)})
        assert refused.value.response_code == 400
        assert refused.value.error_message == LINE_CODE_MESSAGE
        assert len(srv.discussions(scene.project_id, scene.iid)) == 1
        assert srv.position_rejections == ["deploy.yaml:8 is not an added line"]


@pytest.mark.parametrize(("old_line", "new_line"), [
    (None, 1),      # unchanged line outside every hunk
    (None, 40),     # past the end of the file
    (7, 8),         # a context line with mismatched numbers
    (5, None),      # a context line with its old number only
    (6, 6),         # the changed line given as if it were unchanged
])
def test_positions_gitlab_refuses(tmp_path: Path, old_line: int | None, new_line: int | None) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        position = _position(mr, old_line=old_line, new_line=new_line)
        with pytest.raises(gitlab.GitlabCreateError) as refused:
            mr.discussions.create({"body": "x", "position": position})
        assert refused.value.response_code == 400
        assert "line_code" in refused.value.error_message
        assert srv.violations == []


def test_discussion_on_a_removed_line_has_old_line_only(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        position = _position(mr, old_line=6, new_line=None)
        created = mr.discussions.create({"body": "removed", "position": position})
        assert created.attributes["notes"][0]["position"]["old_line"] == 6


def test_stale_diff_refs_are_refused(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        stale = mr.diff_refs["start_sha"][:39] + "0"
        position = {**_position(mr, old_line=None, new_line=11), "base_sha": stale}
        with pytest.raises(gitlab.GitlabCreateError):
            mr.discussions.create({"body": "x", "position": position})
        assert "diff_refs" in srv.position_rejections[0]


def test_missing_sha_in_position_is_a_contract_violation(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        position = _position(mr, old_line=None, new_line=11)
        del position["start_sha"]
        with pytest.raises(gitlab.GitlabCreateError) as refused:
            mr.discussions.create({"body": "x", "position": position})
        assert refused.value.response_code == 400
        assert "position[start_sha] is missing" in refused.value.error_message
        assert len(srv.violations) == 1


def test_reply_resolve_and_notes(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        position = _position(mr, old_line=None, new_line=6)
        thread = mr.discussions.create({"body": "finding", "position": position})
        thread.notes.create({"body": "fixed"})
        thread.resolved = True
        thread.save()
        summary = mr.notes.create({"body": "summary v1"})
        summary.body = "summary v2"
        summary.save()
        stored = srv.discussions(scene.project_id, scene.iid)
        assert [n["body"] for n in stored[0]["notes"]] == ["finding", "fixed"]
        assert all(n["resolved"] for n in stored[0]["notes"])
        assert stored[1]["individual_note"] is True
        assert stored[1]["notes"][0]["body"] == "summary v2"
        listed = mr.notes.list(get_all=True)
        assert [n.body for n in listed] == ["summary v2", "fixed", "finding"]
        assert [n.body for n in mr.notes.list(sort="asc", get_all=True)] == ["finding", "fixed", "summary v2"]
        assert [d.id for d in mr.discussions.list(get_all=True)] == [d["id"] for d in stored]
        assert mr.notes.get(summary.id).body == "summary v2"
        assert srv.violations == []
        assert srv.server_errors == []


NOTE_TOO_LONG = '400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}'


def test_a_note_over_a_million_characters_is_refused_everywhere(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = _mr(srv, scene)
        huge = "x" * 1_000_001
        summary = mr.notes.create({"body": "x" * 1_000_000})  # at the limit: accepted
        thread = mr.discussions.create({"body": "thread"})
        for manager in (mr.notes, mr.discussions, thread.notes):
            with pytest.raises(gitlab.GitlabCreateError) as refused:
                manager.create({"body": huge})
            assert refused.value.response_code == 400
            assert refused.value.error_message == NOTE_TOO_LONG
        summary.body = huge
        with pytest.raises(gitlab.GitlabUpdateError) as edit:
            summary.save()
        assert edit.value.error_message == NOTE_TOO_LONG
        assert len(srv.notes(scene.project_id, scene.iid)) == 2
