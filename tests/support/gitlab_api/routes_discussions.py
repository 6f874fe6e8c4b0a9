"""Handlers for merge request discussions (threads) and notes.

A discussion holds notes; a positioned one (``DiffNote``) is checked with
:mod:`tests.support.gitlab_api.positions` first. Threads started on an MR are resolvable; a
plain note (``POST .../notes``) is a one-note, non-resolvable discussion
(``individual_note: true``). Notes list newest first unless ``sort=asc``, as GitLab does
(https://docs.gitlab.com/api/notes/#list-all-merge-request-notes).
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.support.gitlab_api import positions
from tests.support.gitlab_api.exchange import ApiError, Request, Response, not_found
from tests.support.gitlab_api.state import JSON, TIMESTAMP, MergeRequest


class PositionRejectedError(ApiError):
    """A position GitLab refuses (400 ``line_code``); the reason is kept for the test's eyes."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, positions.LINE_CODE_MESSAGE)
        self.reason = reason


MAX_NOTE_LENGTH = 1_000_000
"""GitLab's limit on a note's body (https://docs.gitlab.com/api/notes/#create-new-merge-request-note)."""


def _body(request: Request) -> str:
    """The ``body`` parameter, refused as GitLab does when over :data:`MAX_NOTE_LENGTH`."""
    body = str(request.params["body"])
    if len(body) > MAX_NOTE_LENGTH:
        raise ApiError(400, "400 Bad request - Note {:note=>[\"is too long (maximum is "
                            f"{MAX_NOTE_LENGTH} characters)\"]}}")
    return body


def _note(request: Request, mr: MergeRequest, body: str, *, kind: str | None, resolvable: bool,
          position: JSON | None = None) -> JSON:
    note: JSON = {"id": request.state.next_id(), "type": kind, "body": body, "attachment": None,
                  "author": request.token.user.json(request.state.root_url),
                  "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
                  "system": False, "noteable_id": mr.id, "noteable_type": "MergeRequest",
                  "noteable_iid": mr.iid, "project_id": mr.project_id, "internal": False,
                  "confidential": False, "resolvable": resolvable, "resolved": False,
                  "resolved_by": None, "resolved_at": None}
    if position is not None:
        note["position"] = position
        note["commit_id"] = None
    return note


def _discussion(request: Request, mr: MergeRequest, note: JSON, *, individual: bool) -> JSON:
    seed = f"{mr.project_id}/{mr.iid}/{note['id']}".encode()
    discussion: JSON = {"id": hashlib.sha1(seed, usedforsecurity=False).hexdigest(),
                        "individual_note": individual, "notes": [note]}
    request.state.discussions.setdefault((mr.project_id, mr.iid), []).append(discussion)
    return discussion


def _find(request: Request) -> tuple[MergeRequest, JSON]:
    mr = request.merge_request()
    wanted = str(request.path_params["discussion_id"])
    for discussion in request.state.discussions.get((mr.project_id, mr.iid), []):
        if discussion["id"] == wanted:
            return mr, discussion
    raise not_found("Discussion")


def list_discussions(request: Request) -> Response:
    mr = request.merge_request()
    return Response(body=list(request.state.discussions.get((mr.project_id, mr.iid), [])), paginate=True)


def get_discussion(request: Request) -> Response:
    return Response(body=_find(request)[1])


def create_discussion(request: Request) -> Response:
    mr = request.merge_request()
    position: dict[str, Any] | None = request.params.get("position")
    stored: JSON | None = None
    if position is not None:
        problem = positions.position_problem(mr, position)
        if problem is not None:
            raise PositionRejectedError(problem)
        stored = {"base_sha": position["base_sha"], "start_sha": position["start_sha"],
                  "head_sha": position["head_sha"], "old_path": position["old_path"],
                  "new_path": position["new_path"], "position_type": "text",
                  "old_line": position.get("old_line"), "new_line": position.get("new_line"),
                  "line_range": None}
    note = _note(request, mr, _body(request), kind="DiffNote" if stored else "DiscussionNote",
                 resolvable=True, position=stored)
    if stored is not None:
        note["line_code"] = positions.line_code(stored)
    return Response(status=201, body=_discussion(request, mr, note, individual=False))


def resolve_discussion(request: Request) -> Response:
    _, discussion = _find(request)
    _resolve(request, discussion, bool(request.params["resolved"]))
    return Response(body=discussion)


def _resolve(request: Request, discussion: JSON, resolved: bool) -> None:
    notes = [n for n in discussion["notes"] if n["resolvable"]]
    if not notes:
        raise ApiError(403, "403 Forbidden")
    for note in notes:
        note["resolved"] = resolved
        note["resolved_by"] = request.token.user.json(request.state.root_url) if resolved else None
        note["resolved_at"] = TIMESTAMP if resolved else None


def add_discussion_note(request: Request) -> Response:
    mr, discussion = _find(request)
    if discussion["individual_note"]:
        raise ApiError(400, "400 Bad request - Note {:discussion_id=>"
                            "[\"cannot reply to an individual note\"]}")
    first = discussion["notes"][0]
    note = _note(request, mr, _body(request), kind=first["type"], resolvable=first["resolvable"],
                 position=first.get("position"))
    note["resolved"] = first["resolved"]
    discussion["notes"].append(note)
    return Response(status=201, body=note)


def modify_discussion_note(request: Request) -> Response:
    _, discussion = _find(request)
    note = next((n for n in discussion["notes"] if n["id"] == request.path_params["note_id"]), None)
    if note is None:
        raise not_found("Note")
    if "body" in request.params:
        _author_only(request, note)
        note["body"] = _body(request)
    if "resolved" in request.params:
        _resolve(request, discussion, bool(request.params["resolved"]))
    return Response(body=note)


def _author_only(request: Request, note: JSON) -> None:
    if note["author"]["id"] != request.token.user.id:
        raise ApiError(403, "403 Forbidden")


def _all_notes(request: Request, mr: MergeRequest) -> list[JSON]:
    return [note for d in request.state.discussions.get((mr.project_id, mr.iid), []) for note in d["notes"]]


def list_notes(request: Request) -> Response:
    notes = _all_notes(request, request.merge_request())
    notes.sort(key=lambda n: int(n["id"]), reverse=request.params.get("sort", "desc") == "desc")
    return Response(body=notes, paginate=True)


def _note_by_id(request: Request) -> JSON:
    for note in _all_notes(request, request.merge_request()):
        if note["id"] == request.path_params["note_id"]:
            return note
    raise not_found("Note")


def get_note(request: Request) -> Response:
    return Response(body=_note_by_id(request))


def create_note(request: Request) -> Response:
    mr = request.merge_request()
    note = _note(request, mr, _body(request), kind=None, resolvable=False)
    _discussion(request, mr, note, individual=True)
    return Response(status=201, body=note)


def modify_note(request: Request) -> Response:
    note = _note_by_id(request)
    _author_only(request, note)
    note["body"] = _body(request)
    return Response(body=note)
