"""Webhook payload builders (from ../shared/gitlab/webhooks) and the GitLab-like sender."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.gitlab_api.scene import git, open_mr
from tests.support.gitlab_api import GitLabApiServer
from tests.support.gitlab_events import (
    MERGE_REQUEST_HOOK,
    merge_request_event,
    note_event,
    push_event,
    send_gitlab,
    shape_problems,
    template,
)


def test_merge_request_event_names_the_servers_project_and_mr(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        mr = srv.merge_request(scene.project_id, scene.iid)
        payload = merge_request_event(srv, scene.project_id, scene.iid, action="update", oldrev="c" * 40)
        attributes = payload["object_attributes"]
        assert attributes["iid"] == scene.iid
        assert attributes["last_commit"]["id"] == mr["sha"] == git(scene.repo, "rev-parse", "feature")
        assert attributes["oldrev"] == "c" * 40
        assert attributes["action"] == "update"
        assert attributes["target_project_id"] == attributes["source_project_id"] == scene.project_id
        assert (attributes["source_branch"], attributes["target_branch"]) == ("feature", "main")
        assert attributes["draft"] is attributes["work_in_progress"] is False
        assert payload["project"]["id"] == scene.project_id
        assert payload["project"]["path_with_namespace"] == "group/app"
        assert payload["project"]["git_http_url"] == srv.clone_url(scene.project_id)
        assert payload["object_kind"] == "merge_request"
        assert shape_problems("merge_request.json", payload) == []


def test_open_event_has_no_oldrev_and_draft_follows_the_mr(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        srv.set_merge_request(scene.project_id, scene.iid, draft=True)
        payload = merge_request_event(srv, scene.project_id, scene.iid)
        assert "oldrev" not in payload["object_attributes"]
        assert payload["object_attributes"]["draft"] is True
        assert payload["object_attributes"]["work_in_progress"] is True


def test_note_and_push_events(tmp_path: Path) -> None:
    with GitLabApiServer() as srv:
        scene = open_mr(srv, tmp_path)
        note = note_event(srv, scene.project_id, scene.iid, note="/gitops-validator retry")
        assert note["object_attributes"]["note"] == "/gitops-validator retry"
        assert note["object_attributes"]["noteable_type"] == "MergeRequest"
        assert note["merge_request"]["iid"] == scene.iid
        head = srv.merge_request(scene.project_id, scene.iid)["sha"]
        assert note["merge_request"]["last_commit"]["id"] == head
        head = git(scene.repo, "rev-parse", "feature")
        push = push_event(srv, scene.project_id, ref="refs/heads/feature", after=head)
        assert (push["after"], push["checkout_sha"], push["project_id"]) == (head, head, scene.project_id)
        assert push["project"]["git_http_url"] == srv.clone_url(scene.project_id)


def test_a_url_instead_of_a_server_builds_placeholder_payloads() -> None:
    payload = merge_request_event("http://gitlab.test", 14, 3, action="open")
    assert payload["project"]["web_url"] == "http://gitlab.test/group/app"
    assert payload["object_attributes"]["iid"] == 3


def test_shape_check_catches_a_lost_or_invented_key() -> None:
    payload = merge_request_event("http://gitlab.test", 14, 3)
    del payload["object_attributes"]["last_commit"]
    payload["object_attributes"]["head_sha"] = "x"
    assert sorted(shape_problems("merge_request.json", payload)) == [
        "object_attributes.head_sha: not in the shared payload", "object_attributes.last_commit: missing"]
    assert shape_problems("push.json", template("push.json")) == []


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown merge request action"):
        merge_request_event("http://gitlab.test", 14, 3, action="opened")


@contextmanager
def _receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append({"headers": headers, "body": json.loads(body)})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        yield f"http://127.0.0.1:{port}/webhooks/gitlab", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_send_gitlab_sends_gitlabs_headers() -> None:
    payload = merge_request_event("http://gitlab.test", 14, 3)
    with _receiver() as (url, seen):
        assert send_gitlab(url, MERGE_REQUEST_HOOK, payload, token="s3cret", uuid="u-1") == (200, "ok")
        assert send_gitlab(url, MERGE_REQUEST_HOOK, payload, token=None)[0] == 200
    first, second = (delivery["headers"] for delivery in seen)
    assert first["x-gitlab-event"] == MERGE_REQUEST_HOOK
    assert first["x-gitlab-token"] == "s3cret"
    assert first["x-gitlab-event-uuid"] == first["idempotency-key"] == "u-1"
    assert first["user-agent"].startswith("GitLab/")
    assert "x-gitlab-instance" in first
    assert "x-gitlab-token" not in second
    assert second["x-gitlab-event-uuid"] not in ("", "u-1")
    assert seen[0]["body"] == payload
