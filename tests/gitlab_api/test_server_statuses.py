"""Commit statuses through python-gitlab, with GitLab's state transitions."""

from __future__ import annotations

from pathlib import Path

import gitlab
import pytest

from tests.gitlab_api.scene import Scene, open_mr
from tests.support.gitlab_api import GitLabApiServer


def _commit(srv: GitLabApiServer, scene: Scene) -> tuple[str, object]:
    sha = str(srv.merge_request(scene.project_id, scene.iid)["sha"])
    gl = gitlab.Gitlab(srv.url, private_token=srv.token)
    return sha, gl.projects.get(scene.project_id, lazy=True).commits.get(sha, lazy=True)


def test_pending_running_success_is_one_status(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha, commit = _commit(srv, scene)
        for state in ("pending", "running", "success"):
            created = commit.statuses.create({  # type: ignore[attr-defined]
                "state": state, "name": "gitops-validator", "ref": "feature",
                "target_url": "http://details/1", "description": "2 findings"})
            assert created.status == state
        stored = srv.statuses(scene.project_id, sha)
        assert [(s["name"], s["status"], s["ref"]) for s in stored] == [
            ("gitops-validator", "success", "feature")]
        assert stored[0]["target_url"] == "http://details/1"
        assert stored[0]["author"]["username"] == "gitops-validator-bot"
        listed = commit.statuses.list(name="gitops-validator", get_all=True)  # type: ignore[attr-defined]
        assert [s.status for s in listed] == ["success"]
        assert srv.violations == []


@pytest.mark.parametrize(("first", "again", "message"), [
    ("running", "running", "Cannot transition status via :run from :running "
                           '(Reason(s): Status cannot transition via "run")'),
    ("pending", "pending", "Cannot transition status via :enqueue from :pending "
                           '(Reason(s): Status cannot transition via "enqueue")'),
    ("running", "pending", "Cannot transition status via :enqueue from :running "
                           '(Reason(s): Status cannot transition via "enqueue")'),
])
def test_a_repeated_active_state_is_refused_as_gitlab_does(tmp_path: Path, first: str, again: str,
                                                           message: str) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha, commit = _commit(srv, scene)
        commit.statuses.create({"state": first, "name": "v"})  # type: ignore[attr-defined]
        with pytest.raises(gitlab.GitlabCreateError) as refused:
            commit.statuses.create({"state": again, "name": "v"})  # type: ignore[attr-defined]
        assert refused.value.response_code == 400
        assert refused.value.error_message == message
        assert [s["status"] for s in srv.statuses(scene.project_id, sha)] == [first]


def test_a_finished_status_is_never_changed_the_next_post_is_a_new_status(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha, commit = _commit(srv, scene)
        commit.statuses.create({"state": "failed", "name": "v", "ref": "feature"})  # type: ignore[attr-defined]
        commit.statuses.create({"state": "success", "name": "v", "ref": "feature"})  # type: ignore[attr-defined]
        assert [s["status"] for s in srv.statuses(scene.project_id, sha)] == ["failed", "success"]
        assert [s.status for s in commit.statuses.list(get_all=True)] == ["success"]  # type: ignore[attr-defined]
        assert [s.status for s in commit.statuses.list(all=True, get_all=True)] == ["failed", "success"]  # type: ignore[attr-defined]


def test_context_names_the_status_and_ref_defaults_to_a_branch_with_the_commit(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha, commit = _commit(srv, scene)
        commit.statuses.create({"state": "pending", "context": "ctx"})  # type: ignore[attr-defined]
        assert [(s["name"], s["ref"]) for s in srv.statuses(scene.project_id, sha)] == [("ctx", "feature")]


def test_invalid_state_and_unknown_commit(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        _, commit = _commit(srv, scene)
        with pytest.raises(gitlab.GitlabCreateError) as bad:
            commit.statuses.create({"state": "error", "name": "v"})  # type: ignore[attr-defined]
        assert bad.value.response_code == 400
        assert bad.value.error_message == "state does not have a valid value"
        assert len(srv.violations) == 1
        missing = gitlab.Gitlab(srv.url, private_token=srv.token).projects.get(
            scene.project_id, lazy=True).commits.get("0" * 40, lazy=True)
        with pytest.raises(gitlab.GitlabCreateError) as unknown:
            missing.statuses.create({"state": "pending", "name": "v"})
        assert unknown.value.response_code == 404
        assert unknown.value.error_message == "404 Commit Not Found"
