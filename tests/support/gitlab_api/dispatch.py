"""The request pipeline of the GitLab test server, the same for every API request.

Match an endpoint of the contract (else 404 ``{"error": "404 Not Found"}`` and a violation),
authenticate (``PRIVATE-TOKEN`` or ``Authorization: Bearer``; else 401
``{"message": "401 Unauthorized"}``), check the parameters (else 400 ``{"error": ...}`` and a
violation), refuse writes of read-only tokens (403), injected faults, then the handler under
the state lock; lists are paged here. A handler crash is a 500, a server error and a violation
(tests that assert ``srv.violations == []`` see it).
"""

from __future__ import annotations

import copy
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.gitlab_api import pagination, routes_discussions, routes_projects
from tests.support.gitlab_api.contract import Contract, check_params, request_params
from tests.support.gitlab_api.exchange import ApiError, Handler, Request
from tests.support.gitlab_api.faults import Faults
from tests.support.gitlab_api.state import ServerState, Token

API_PREFIX = "/api/v4"
_P, _D = routes_projects, routes_discussions
HANDLERS: dict[str, Handler] = {
    "get_current_user": _P.get_current_user, "list_projects": _P.list_projects,
    "get_project": _P.get_project, "get_project_member_all": _P.get_project_member_all,
    "list_merge_requests": _P.list_merge_requests,
    "get_merge_request": _P.get_merge_request, "set_commit_status": _P.set_commit_status,
    "list_commit_statuses": _P.list_commit_statuses, "list_discussions": _D.list_discussions,
    "get_discussion": _D.get_discussion, "create_discussion": _D.create_discussion,
    "resolve_discussion": _D.resolve_discussion, "add_discussion_note": _D.add_discussion_note,
    "modify_discussion_note": _D.modify_discussion_note, "list_notes": _D.list_notes,
    "get_note": _D.get_note, "create_note": _D.create_note, "modify_note": _D.modify_note,
}
"""Operation of ``contract.json`` -> handler."""


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    """One request as the server saw it and the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased; ``private-token`` and ``authorization`` values replaced by ``<redacted>``."""
    body: Any
    status: int
    operation: str
    at: float
    """``time.monotonic()`` when the request arrived (to see a client's wait between retries)."""


@dataclass(frozen=True, kw_only=True)
class Violation:
    """A request the contract does not allow."""

    method: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Journal:
    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    position_rejections: list[str] = field(default_factory=list)
    """Why each refused diff position was refused (GitLab only says ``line_code``)."""


@dataclass(kw_only=True)
class Dispatcher:
    contract: Contract
    state: ServerState
    faults: Faults
    journal: Journal
    closing: threading.Event = field(default_factory=threading.Event)
    _in_flight: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)

    def drain(self, timeout: float) -> None:
        """Cut delayed answers short and wait until no request is being handled."""
        self.closing.set()
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Answer one HTTP request below ``/api/v4`` (``headers`` lower-cased)."""
        with self._idle:
            self._in_flight += 1
        try:
            return self._handle(method, target, headers, raw)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        arrived = time.monotonic()
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        params, body_problem = request_params(split.query, raw, headers.get("content-type", ""))
        match = self.contract.match(method, split.path.removeprefix(API_PREFIX))
        operation = match.endpoint.operation if match else "unknown"
        try:
            answer = self._dispatch(method, split.path, params, body_problem, headers)
        except ApiError as err:
            answer = Answer(status=err.status, body=err.body, headers=err.headers)
        except Exception:
            crash = traceback.format_exc()
            self.journal.server_errors.append(f"{method} {split.path}:\n{crash}")
            self._violation(method, split.path, f"the test server crashed (a defect of it):\n{crash}")
            answer = Answer(status=500, body={"message": "500 Internal Server Error"}, headers={})
        redacted = {k: "<redacted>" if k in ("private-token", "authorization", "job-token") else v
                    for k, v in headers.items()}
        self.journal.requests.append(RecordedRequest(
            method=method, path=split.path, query=query, headers=redacted,
            body=params if raw.strip() else None, status=answer.status, operation=operation,
            at=arrived))
        return answer

    def _violation(self, method: str, path: str, message: str) -> None:
        self.journal.violations.append(Violation(method=method, path=path, message=message))

    def _token(self, headers: Mapping[str, str]) -> Token:
        secret = headers.get("private-token", "")
        scheme, _, bearer = headers.get("authorization", "").partition(" ")
        if not secret and scheme.lower() == "bearer":
            secret = bearer.strip()
        token = self.state.tokens.get(secret) if secret else None
        if token is None:
            raise ApiError(401, "401 Unauthorized")
        return token

    def _dispatch(self, method: str, path: str, params: dict[str, Any], body_problem: str | None,
                  headers: Mapping[str, str]) -> Answer:
        api_path = path.removeprefix(API_PREFIX)
        match = self.contract.match(method, api_path) if path.startswith(API_PREFIX + "/") else None
        if match is None:
            self._violation(method, path, "no endpoint of the contract serves this method and path")
            raise ApiError(404, "404 Not Found", key="error")
        endpoint = match.endpoint
        token = self._token(headers)
        checked, problems = check_params(endpoint.params, params)
        problems = [*match.problems, *problems, *([body_problem] if body_problem else [])]
        for problem in problems:
            self._violation(method, path, f"{endpoint.operation}: {problem}")
        if problems:
            raise ApiError(400, ", ".join(problems), key="error")
        if method != "GET" and not token.write:
            raise ApiError(403, "403 Forbidden")
        fault = self.faults.take(method, path)
        if fault is not None and fault.delay:
            self.closing.wait(fault.delay)
        if fault is not None and fault.status is not None:
            raise _fault_error(fault.status, fault.body, fault.headers)
        request = Request(state=self.state, method=method, path_params=match.path_params, params=checked,
                          token=token)
        with self.state.lock:
            try:
                response = HANDLERS[endpoint.operation](request)
            except routes_discussions.PositionRejectedError as err:
                self.journal.position_rejections.append(err.reason)
                raise
            body = copy.deepcopy(response.body)
        answer_headers = dict(response.headers)
        if response.paginate:
            body, paging = pagination.paginate(body, checked, f"{self.state.root_url}{path}")
            answer_headers.update(paging)
        return Answer(status=response.status, body=body, headers=answer_headers)


def _fault_error(status: int, body: Any, headers: Mapping[str, str]) -> ApiError:
    error = ApiError(status, "", headers=headers)
    error.body = body
    return error
