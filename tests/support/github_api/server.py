"""The GitHub API test server: real HTTP on loopback, checked against the OpenAPI contract.

Each request goes through the same steps: match an operation of the contract (else 404 and a
violation), authenticate (``token X`` / ``Bearer X``; read-only tokens get 403 on writes),
validate parameters and body (else 422 and a violation), injected faults, then the route
handler under the state lock. List answers are paged here. A handler crash is a 500 and a
server error, which fails the test as a violation does.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.github_api import graphql
from tests.support.github_api.contract import check_request, default_contract_path, load_contract
from tests.support.github_api.exchange import ApiError, Request, Response, RuleError
from tests.support.github_api.faults import Faults
from tests.support.github_api.gitdata import pull_data
from tests.support.github_api.pagination import paginate
from tests.support.github_api.routes import HANDLERS
from tests.support.github_api.routes.reviews import follow_push
from tests.support.github_api.state import PullRequest, Repository, ServerState, Token

READ_ONLY = "Resource not accessible by integration"


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


class GitHubApiServer:
    """A fake of the GitHub REST and GraphQL APIs for the tests (see docs/testing.md)."""

    def __init__(self, contract: Path | None = None, *, check_responses: bool = False,
                 enterprise: bool = False) -> None:
        self.contract = load_contract((contract or default_contract_path()).resolve())
        self.check_responses = check_responses
        self.enterprise = enterprise
        """GitHub Enterprise Server layout: REST under ``/api/v3``, GraphQL at ``/api/graphql``."""
        self.response_problems: list[str] = []
        """With ``check_responses``: answers that do not match the contract's response schema
        (a defect of this server, found by its own tests)."""
        self.state = ServerState()
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.server_errors: list[str] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._root = ""
        self.token = "gh-test-write-token"
        self.add_token(self.token, write=True)

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> GitHubApiServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> None:
        """Listen on a free loopback port and serve from a background thread."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._root = f"http://127.0.0.1:{httpd.server_address[1]}"
        self.state.base_url = self._root + ("/api/v3" if self.enterprise else "")
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="github-api-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving; delayed (fault) answers are cut short."""
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """Base URL of the REST API (``GITHUB_API_URL``, PyGithub's ``base_url``)."""
        return self.state.base_url

    @property
    def graphql_url(self) -> str:
        """Where GraphQL is served (``GITHUB_GRAPHQL_URL``)."""
        return self._root + ("/api/graphql" if self.enterprise else "/graphql")

    # -- set-up by tests -------------------------------------------------------------------------
    def add_token(self, value: str, *, write: bool, login: str = "github-actions[bot]") -> None:
        """Accept ``value``; a read-only token gets 403 on every write."""
        self.state.tokens[value] = Token(value=value, write=write, login=login)

    def add_repository(self, full_name: str, *, git_dir: Path, default_branch: str = "main") -> Repository:
        """Serve ``owner/name`` from a real git repository (bare or with a working tree)."""
        owner, name = full_name.split("/")
        with self.state.lock:
            repo = Repository(owner=owner, name=name, id=self.state.next_id(), git_dir=git_dir,
                              default_branch=default_branch)
            self.state.repositories[full_name.lower()] = repo
        return repo

    def add_pull_request(self, full_name: str, *, number: int, base_sha: str, head_sha: str,
                         base_ref: str = "main", head_ref: str = "feature", title: str = "Change",
                         draft: bool = False) -> PullRequest:
        """An open pull request; files and commits come from ``git diff base...head``."""
        with self.state.lock:
            repo = self._repo(full_name)
            pr = PullRequest(repository=repo.full_name, number=number, id=self.state.next_id(),
                             base_sha=base_sha, head_sha=head_sha, base_ref=base_ref, head_ref=head_ref,
                             data=pull_data(repo.git_dir, base_sha, head_sha), title=title, draft=draft)
            self.state.pull_requests[(repo.full_name, number)] = pr
        return pr

    def update_pull_request(self, full_name: str, number: int, *, head_sha: str | None = None,
                            base_sha: str | None = None) -> PullRequest:
        """Move the pull request (a push): files and commits are recomputed."""
        with self.state.lock:
            repo = self._repo(full_name)
            pr = self.state.pull_requests[(repo.full_name, number)]
            old_head = pr.head_sha
            pr.head_sha = head_sha or pr.head_sha
            pr.base_sha = base_sha or pr.base_sha
            pr.refresh(repo.git_dir)
            follow_push(self.state, repo, pr, old_head)
        return pr

    def _repo(self, full_name: str) -> Repository:
        owner, name = full_name.split("/")
        repo = self.state.repository(owner, name)
        if repo is None:
            raise KeyError(f"{full_name}: add_repository first")
        return repo

    # -- handling --------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Answer one HTTP request (called from the server threads)."""
        arrived = time.monotonic()
        split = urlsplit(target)
        path, query = self._api_path(split.path), dict(parse_qsl(split.query, keep_blank_values=True))
        body = _json_or_text(raw)
        match = self.contract.match(method, path)
        operation = (match.operation.operation_id if match
                     else f"graphql:{graphql.operation_name(body)}" if path == "/graphql" else "unknown")
        try:
            answer = self._dispatch(method, path, query, headers, raw)
        except ApiError as err:
            answer = Answer(status=err.status, body=err.body, headers=err.headers)
        except Exception:
            self.server_errors.append(f"{method} {path}:\n{traceback.format_exc()}")
            answer = Answer(status=500, body={"message": "test server error"}, headers={})
        self.requests.append(RecordedRequest(method=method, path=path, query=query, body=body,
                                             status=answer.status, operation=operation, at=arrived))
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
        self.violations.append(Violation(method=method, path=path, message=message))

    def _token(self, headers: dict[str, str]) -> Token:
        value = headers.get("authorization", "")
        scheme, _, secret = value.partition(" ")
        if not value:
            raise ApiError(401, "Requires authentication")
        token = self.state.tokens.get(secret.strip()) if scheme.lower() in ("token", "bearer") else None
        if token is None:
            raise ApiError(401, "Bad credentials")
        return token

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                  raw: bytes) -> Answer:
        if path == "/graphql" and method == "POST":
            return self._graphql(path, headers, raw)
        match = self.contract.match(method, path)
        if match is None:
            self._violation(method, path, "no operation of the contract serves this method and path")
            raise ApiError(404, "Not Found")
        operation = match.operation.operation_id
        token = self._token(headers)
        checked = check_request(self.contract, match, query, raw)
        for problem in checked.problems:
            self._violation(method, path, f"{operation}: {problem}")
        if checked.problems:
            raise ApiError(422, "Invalid request.", errors=list(checked.problems))
        if method != "GET" and not token.write:
            raise ApiError(403, READ_ONLY)
        self._fault(method, path, checked.body)
        handler = HANDLERS.get(operation)
        if handler is None:
            self._violation(method, path, f"{operation} is in the contract but not modelled here")
            raise ApiError(501, f"{operation} is not implemented by the test server")
        request = Request(state=self.state, method=method, path=path, path_params=checked.path_params,
                          query=checked.query, body=checked.body, token_login=token.login)
        with self.state.lock:
            try:
                response = handler(request)
            except RuleError as err:
                self._violation(method, path, f"{operation}: {err.rule}")
                raise
        answer = self._render(response, path, checked.query)
        schema = self.contract.response_schema(match.operation, answer.status)
        if self.check_responses and schema is not None:
            self.response_problems += [f"{method} {path} -> {answer.status}: {problem}"
                                       for problem in self.contract.validate(schema, answer.body)]
        return answer

    def _fault(self, method: str, path: str, body: Any) -> None:
        fault = self.faults.take(method, path, body)
        if fault is None:
            return
        if fault.delay:
            self._closing.wait(fault.delay)
        if fault.status is not None:
            error = ApiError(fault.status, "", headers=fault.headers)
            error.body = fault.body
            raise error

    def _render(self, response: Response, path: str, query: Mapping[str, Any]) -> Answer:
        headers: dict[str, str] = dict(response.headers)
        body = response.body
        if response.paginate is not None:
            items = body if response.paginate == "" else body[response.paginate]
            page, link = paginate(list(items), query, f"{self.url}{path}")
            body = page if response.paginate == "" else {**body, response.paginate: page}
            if link:
                headers["Link"] = link
        return Answer(status=response.status, body=body, headers=headers)

    def _graphql(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        token = self._token(headers)
        payload = _json_or_text(raw)
        self._fault("POST", path, payload)
        with self.state.lock:
            result = graphql.execute(self.state, payload, write=token.write)
        for message in result.violations:
            self._violation("POST", path, message)
        return Answer(status=200, body=result.body, headers={})


_RATE_HEADERS = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999",
                 "x-ratelimit-reset": "4102444800", "x-ratelimit-used": "1", "x-ratelimit-resource": "core"}


def _json_or_text(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _handler_class(server: GitHubApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = server.handle(self.command, self.path, headers, raw)
            data = b"" if answer.status == 204 or answer.body is None else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Request-Id", f"TEST:{len(server.requests)}")
            extra = {key.lower(): value for key, value in answer.headers.items()}
            for key, value in {**_RATE_HEADERS, **extra}.items():
                self.send_header(key, value)
            self.end_headers()
            with suppress(OSError):  # the client gave up (a timeout fault): nothing to answer to
                self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            """The request log is :attr:`GitHubApiServer.requests`, not stderr."""

    return Handler
