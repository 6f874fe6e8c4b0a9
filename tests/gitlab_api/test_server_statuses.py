"""Commit statuses through python-gitlab, with GitLab's state transitions."""

from __future__ import annotations

import json
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


def test_target_url_longer_than_255_or_not_a_url_is_refused(tmp_path: Path) -> None:
    """GitLab's GenericCommitStatus: ``target_url`` an http(s) URL of at most 255 characters."""
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha, commit = _commit(srv, scene)
        with pytest.raises(gitlab.GitlabCreateError) as long_url:
            commit.statuses.create({"state": "pending", "name": "v",  # type: ignore[attr-defined]
                                    "target_url": "http://details/" + "x" * 241})
        assert long_url.value.response_code == 400
        assert json.loads(long_url.value.response_body or b"") == {
            "message": {"target_url": ["is too long (maximum is 255 characters)"]}}
        with pytest.raises(gitlab.GitlabCreateError) as not_url:
            commit.statuses.create({"state": "pending", "name": "v", "target_url": "details/1"})  # type: ignore[attr-defined]
        assert json.loads(not_url.value.response_body or b"") == {
            "message": {"target_url": ["must be a valid URL"]}}
        with pytest.raises(gitlab.GitlabCreateError) as scheme:
            commit.statuses.create({"state": "pending", "name": "v", "target_url": "ftp://details/1"})  # type: ignore[attr-defined]
        assert json.loads(scheme.value.response_body or b"") == {
            "message": {"target_url": ["is blocked: Only allowed schemes are http, https"]}}
        assert srv.statuses(scene.project_id, sha) == []
        commit.statuses.create({"state": "pending", "name": "v",  # type: ignore[attr-defined]
                                "target_url": "http://details/" + "x" * 240})


def test_pipeline_id_must_name_a_pipeline_of_the_commit(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        sha, commit = _commit(srv, scene)
        pipeline = srv.add_pipeline(scene.project_id, sha, ref="feature")
        created = commit.statuses.create({"state": "running", "name": "v", "pipeline_id": pipeline})  # type: ignore[attr-defined]
        assert created.pipeline_id == pipeline
        assert created.ref == "feature"
        with pytest.raises(gitlab.GitlabCreateError) as unknown:
            commit.statuses.create({"state": "running", "name": "w", "pipeline_id": pipeline + 1})  # type: ignore[attr-defined]
        assert unknown.value.response_code == 404
        assert unknown.value.error_message == "404 Pipeline for pipeline_id, sha and ref Not Found"
        other = commit.statuses.create({"state": "pending", "name": "x"})  # type: ignore[attr-defined]
        assert other.pipeline_id == pipeline  # the newest pipeline of the SHA takes external jobs
