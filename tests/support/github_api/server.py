"""The GitHub API test server: real HTTP on loopback, state kept across requests.

``GitHubApiServer`` owns the listening socket, the set-up a test does (repositories, pull
requests, tokens) and exposes what happened (``requests``, ``violations``); the request
pipeline itself is :mod:`tests.support.github_api.dispatch`.
"""

from __future__ import annotations

import json
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.github_api import git_http
from tests.support.github_api.contract import default_contract_path, default_supplement_path, load_contract
from tests.support.github_api.dispatch import Answer, Dispatcher, Journal, RecordedRequest, Violation
from tests.support.github_api.faults import Faults
from tests.support.github_api.gitdata import pull_data
from tests.support.github_api.routes.apps import new_app
from tests.support.github_api.routes.reviews import follow_push
from tests.support.github_api.state import App, Installation, PullRequest, Repository, ServerState, Token

READ_ONLY = "Resource not accessible by integration"


class GitHubApiServer:
    """A fake of the GitHub REST and GraphQL APIs for the tests (see docs/testing.md)."""

    def __init__(self, contract: Path | None = None, *, check_responses: bool = False,
                 enterprise: bool = False) -> None:
        """``enterprise``: GitHub Enterprise Server layout (REST under ``/api/v3``, GraphQL at
        ``/api/graphql``); ``check_responses``: check answers against the response schemas.
        The supplement (``contract-supplement.json``) is loaded beside the contract."""
        self.contract = load_contract((contract or default_contract_path()).resolve(),
                                      default_supplement_path())
        self.enterprise = enterprise
        self.state = ServerState()
        self.faults = Faults()
        self.journal = Journal()
        self.dispatcher = Dispatcher(contract=self.contract, state=self.state, faults=self.faults,
                                     journal=self.journal, enterprise=enterprise,
                                     check_responses=check_responses)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._root = ""
        self.git_log = git_http.GitLog()
        """Requests to the git endpoint (``clone_url``)."""
        self.token = "gh-test-write-token"
        """A write token every server accepts (``add_token`` for more, or read-only ones)."""
        self.add_token(self.token, write=True)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request with its answer's status, in the order they were answered (``at``: arrival)."""
        return self.journal.requests

    @property
    def violations(self) -> list[Violation]:
        """Requests the contract or a documented GitHub rule does not allow."""
        return self.journal.violations

    @property
    def server_errors(self) -> list[str]:
        """Crashes of a handler (answered 500): defects of this server."""
        return self.journal.server_errors

    @property
    def response_problems(self) -> list[str]:
        return self.journal.response_problems

    @property
    def max_writes_in_flight(self) -> int:
        return self.journal.max_writes_in_flight

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
        self.state.root_url = self._root
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="github-api-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving; delayed (fault) answers are cut short."""
        self.dispatcher.closing.set()
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

    def clone_url(self, full_name: str) -> str:
        """The HTTPS clone URL of ``owner/name`` (git smart HTTP; installation tokens as Basic auth)."""
        return git_http.clone_url(self._root, full_name)

    # -- set-up by tests -------------------------------------------------------------------------
    def add_token(self, value: str, *, write: bool, login: str = "github-actions[bot]") -> None:
        """Accept ``value``; a read-only token gets 403 on every write."""
        self.state.tokens[value] = Token(value=value, write=write, login=login)

    def add_app(self, *, app_id: int, private_key: str | None = None) -> App:
        """A GitHub App whose JWTs the app endpoints accept (a key is generated when not given)."""
        app = new_app(app_id, private_key)
        self.state.apps[app_id] = app
        return app

    def add_installation(self, app_id: int, *, installation_id: int, repositories: list[str],
                         permissions: dict[str, str]) -> Installation:
        """Install an app on ``owner/name`` repositories with GitHub App permissions."""
        accounts = {name.split("/")[0] for name in repositories}
        installation = Installation(id=installation_id, app_id=app_id, account=min(accounts),
                                    repositories=frozenset(name.lower() for name in repositories),
                                    permissions=dict(permissions))
        self.state.installations[installation_id] = installation
        return installation

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

_RATE_HEADERS = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999",
                 "x-ratelimit-reset": "4102444800", "x-ratelimit-used": "1", "x-ratelimit-resource": "core"}


def _encode(answer: Answer) -> tuple[bytes, str]:
    """The answer's bytes and content type: JSON, or text as given (an HTML error page)."""
    if answer.status == 204 or answer.body is None:
        return b"", "application/json; charset=utf-8"
    if isinstance(answer.body, bytes):
        return answer.body, answer.headers.get("Content-Type", "application/octet-stream")
    if isinstance(answer.body, str):
        return answer.body.encode(), "text/html; charset=utf-8"
    return json.dumps(answer.body).encode(), "application/json; charset=utf-8"


def _handler_class(server: GitHubApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm and the client's delayed
        # ACK every keep-alive answer waited ~40 ms.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            if self.path.startswith(git_http.PREFIX):
                self._serve_git()
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = server.dispatcher.handle(self.command, self.path, headers, raw)
            data, content_type = _encode(answer)
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Request-Id", f"TEST:{len(server.requests)}")
            extra = {key.lower(): value for key, value in answer.headers.items()
                     if key.lower() != "content-type"}
            for key, value in {**_RATE_HEADERS, **extra}.items():
                self.send_header(key, value)
            self.end_headers()
            with suppress(OSError):  # the client gave up (a timeout fault): nothing to answer to
                self.wfile.write(data)

        def _serve_git(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            raw = git_http.read_body(self.rfile, headers)
            answer = git_http.serve(server.state, server.git_log, self.command, self.path,
                                    headers=headers, body=raw)
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(answer.body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            """The request log is :attr:`GitHubApiServer.requests`, not stderr."""

    return Handler
