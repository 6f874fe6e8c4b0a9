"""The request pipeline of the test server, the same for every request.

Match an operation of the contract (else 404 and a violation), authenticate (``token X`` /
``Bearer X``), validate parameters and body (else 422 and a violation), refuse writes of
read-only tokens (403), injected faults, then the route handler under the state lock; lists
are paged here. A handler crash is a 500 and a server error, which fails the test as a
violation does. Everything is logged in :class:`Journal`.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from tests.support.github_api import graphql, permissions, rules
from tests.support.github_api.contract import Contract, Operation
from tests.support.github_api.exchange import ApiError, Request, Response, RuleError
from tests.support.github_api.faults import Faults
from tests.support.github_api.pagination import paginate
from tests.support.github_api.request_check import check_request
from tests.support.github_api.routes import HANDLERS, apps, contents
from tests.support.github_api.state import App, ServerState, Token

READ_ONLY = "Resource not accessible by integration"
_T = TypeVar("_T")


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    """One request as the server saw it, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    operation: str
    """``operationId`` of the contract, ``graphql:<name>`` or ``unknown``."""
    at: float
    """``time.monotonic()`` when the request arrived (waits between retries, write pacing)."""


@dataclass(frozen=True, kw_only=True)
class Violation:
    """A request the contract (or a rule GitHub documents) does not allow."""

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
    """What the server saw and what was wrong with it."""

    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    response_problems: list[str] = field(default_factory=list)
    """With ``check_responses``: answers that do not match the contract's response schema
    (a defect of this server, found by its own tests)."""
    max_writes_in_flight: int = 0
    """Most write requests being handled at the same moment: 1 when a client serialises its
    writes, as GitHub asks to avoid secondary rate limits (GraphQL queries are no writes)."""


@dataclass(kw_only=True)
class Dispatcher:
    """Answers requests from the contract, the state and the faults; records into the journal."""

    contract: Contract
    state: ServerState
    faults: Faults
    journal: Journal
    enterprise: bool = False
    check_responses: bool = False
    closing: threading.Event = field(default_factory=threading.Event)
    _in_flight: int = 0
    _in_flight_lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Answer one HTTP request (called from the server threads)."""
        arrived = time.monotonic()
        split = urlsplit(target)
        if split.path.startswith(contents.CODELOAD):
            return self._codeload(method, split.path, arrived)
        path, query = self._api_path(split.path), dict(parse_qsl(split.query, keep_blank_values=True))
        body = _json_or_text(raw)
        match = self.contract.match(method, path)
        operation = (match.operation.operation_id if match
                     else f"graphql:{graphql.operation_name(body)}" if path == "/graphql" else "unknown")
        write = method != "GET" and not (path == "/graphql" and graphql.is_query(body))
        if write:
            with self._in_flight_lock:
                self._in_flight += 1
                self.journal.max_writes_in_flight = max(self.journal.max_writes_in_flight, self._in_flight)
        try:
            answer = self._dispatch(method, path, query, headers, raw)
        except ApiError as err:
            answer = Answer(status=err.status, body=err.body, headers=err.headers)
        except Exception:
            self.journal.server_errors.append(f"{method} {path}:\n{traceback.format_exc()}")
            answer = Answer(status=500, body={"message": "test server error"}, headers={})
        finally:
            if write:
                with self._in_flight_lock:
                    self._in_flight -= 1
        self.journal.requests.append(RecordedRequest(method=method, path=path, query=query, body=body,
                                                     status=answer.status, operation=operation, at=arrived))
        return answer

    def _codeload(self, method: str, path: str, arrived: float) -> Answer:
        """An archive download (GitHub's codeload host: no API contract, no token)."""
        with self.state.lock:
            data = contents.codeload(self.state, path) if method == "GET" else None
        answer = (Answer(status=200, body=data, headers={"Content-Type": "application/x-gzip"}) if data
                  else Answer(status=404, body="Not Found", headers={}))
        self.journal.requests.append(RecordedRequest(method=method, path=path, query={}, body=None,
                                                     status=answer.status, operation="codeload", at=arrived))
        return answer

    def _api_path(self, path: str) -> str:
        """The path relative to the API root (``/graphql`` for GraphQL in both layouts)."""
        path = path.rstrip("/") or "/"
        if not self.enterprise:
            return path
        if path == "/api/graphql":
            return "/graphql"
        return path.removeprefix("/api/v3") if path.startswith("/api/v3/") else f"(outside /api/v3){path}"

    def _violation(self, method: str, path: str, message: str) -> None:
        self.journal.violations.append(Violation(method=method, path=path, message=message))

    def _caller(self, headers: dict[str, str]) -> Token | App:
        """The token or (for a valid JWT) the GitHub App making the request; 401 otherwise."""
        value = headers.get("authorization", "")
        scheme, _, secret = value.partition(" ")
        if not value:
            raise ApiError(401, "Requires authentication")
        if scheme.lower() not in ("token", "bearer"):
            raise ApiError(401, "Bad credentials")
        token = self.state.tokens.get(secret.strip())
        if token is not None:
            return token
        app = apps.app_from_jwt(self.state, secret.strip())
        if app is None:
            raise ApiError(401, "Bad credentials")
        return app

    def _authorise(self, caller: Token | App, operation: str, method: str, params: Mapping[str, Any]) -> None:
        """JWTs open app endpoints only; tokens see their repositories and need the permission."""
        if isinstance(caller, App) != permissions.needs_jwt(operation):
            raise ApiError(401, "A JSON web token could not be decoded" if isinstance(caller, Token)
                           else "'Authorization' header is malformed: use an installation access token")
        if isinstance(caller, Token):
            if "owner" in params and not permissions.sees(caller, f"{params['owner']}/{params['repo']}"):
                raise ApiError(404, "Not Found")
            if not permissions.allows(caller, operation, write=method != "GET"):
                raise ApiError(403, READ_ONLY)

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                  raw: bytes) -> Answer:
        if path == "/graphql" and method == "POST":
            return self._graphql(path, headers, raw)
        match = self.contract.match(method, path)
        if match is None:
            self._violation(method, path, "no operation of the contract serves this method and path")
            raise ApiError(404, "Not Found")
        operation = match.operation.operation_id
        caller = self._caller(headers)
        checked = check_request(self.contract, match, query, raw)
        for problem in checked.problems:
            self._violation(method, path, f"{operation}: {problem}")
        if checked.problems:
            raise ApiError(422, "Invalid request.", errors=list(checked.problems))
        self._authorise(caller, operation, method, checked.path_params)
        self._rule(method, path, operation, lambda: rules.check(operation, checked.body))
        self._fault(method, path, checked.body)
        handler = HANDLERS.get(operation)
        if handler is None:
            self._violation(method, path, f"{operation} is in the contract but not modelled here")
            raise ApiError(501, f"{operation} is not implemented by the test server")
        login = caller.login if isinstance(caller, Token) else f"{caller.slug}[bot]"
        request = Request(state=self.state, method=method, path=path, path_params=checked.path_params,
                          query=checked.query, body=checked.body, token_login=login,
                          app=caller if isinstance(caller, App) else None,
                          token=caller if isinstance(caller, Token) else None)
        with self.state.lock:
            response = self._rule(method, path, operation, lambda: handler(request))
        answer = self._render(response, path, checked.query)
        self._check_response(match.operation, method, path, answer)
        return answer

    def _rule(self, method: str, path: str, operation: str, step: Callable[[], _T]) -> _T:
        """Run ``step``; a broken GitHub rule is recorded as a violation and answered 422."""
        try:
            return step()
        except RuleError as err:
            self._violation(method, path, f"{operation}: {err.rule}")
            raise

    def _check_response(self, operation: Operation, method: str, path: str, answer: Answer) -> None:
        schema = self.contract.response_schema(operation, answer.status)
        if self.check_responses and schema is not None:
            self.journal.response_problems += [f"{method} {path} -> {answer.status}: {problem}"
                                               for problem in self.contract.validate(schema, answer.body)]

    def _fault(self, method: str, path: str, body: Any) -> None:
        fault = self.faults.take(method, path, body)
        if fault is None:
            return
        if fault.delay:
            self.closing.wait(fault.delay)
        if fault.status is not None:
            error = ApiError(fault.status, "", headers=fault.headers)
            error.body = fault.body
            raise error

    def _render(self, response: Response, path: str, query: Mapping[str, Any]) -> Answer:
        headers: dict[str, str] = dict(response.headers)
        body = response.body
        if response.paginate is not None:
            items = body if response.paginate == "" else body[response.paginate]
            page, link = paginate(list(items), query, f"{self.state.base_url}{path}")
            body = page if response.paginate == "" else {**body, response.paginate: page}
            if link:
                headers["Link"] = link
        return Answer(status=response.status, body=body, headers=headers)

    def _graphql(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        token = self._caller(headers)
        if not isinstance(token, Token):
            raise ApiError(401, "'Authorization' header is malformed: use an installation access token")
        payload = _json_or_text(raw)
        self._fault("POST", path, payload)
        with self.state.lock:
            result = graphql.execute(self.state, payload,
                                     write=permissions.allows(token, "graphql:", write=True))
        for message in result.violations:
            self._violation("POST", path, message)
        return Answer(status=200, body=result.body, headers={})


def _json_or_text(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
