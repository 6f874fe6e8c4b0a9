"""The GitLab API test server: real HTTP on loopback, state kept across requests.

``GitLabApiServer`` owns the listening socket, the set-up a test does (projects backed by real
git repositories, merge requests, tokens) and what happened (``requests``, ``violations``);
the API pipeline is :mod:`tests.support.gitlab_api.dispatch`, git over HTTP is
:mod:`tests.support.gitlab_api.git_http`. See docs/testing.md.
"""

from __future__ import annotations

import json
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.git_http_backend import read_body
from tests.support.gitlab_api import git_http
from tests.support.gitlab_api.contract import load_contract
from tests.support.gitlab_api.dispatch import Answer, Dispatcher, Journal, RecordedRequest, Violation
from tests.support.gitlab_api.faults import Faults
from tests.support.gitlab_api.state import JSON, MergeRequest, Pipeline, Project, ServerState, Token, User


class GitLabApiServer:
    """A fake of the GitLab REST API v4 and git over HTTP for the tests."""

    def __init__(self) -> None:
        self.state = ServerState()
        self.faults = Faults()
        self.journal = Journal()
        self.dispatcher = Dispatcher(contract=load_contract(), state=self.state, faults=self.faults,
                                     journal=self.journal)
        self.git_log = git_http.GitLog()
        """Requests to the git endpoints (``clone_url``)."""
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.token = "glpat-test-bot-token"
        """The api token of a bot user (``gitops-validator-bot``) that sees every project."""
        self.add_token(self.token, bot=True, write=True, username="gitops-validator-bot")
        self.developer = self.add_token("glpat-test-developer", bot=False, username="developer")
        """The person who opens merge requests (token ``glpat-test-developer``)."""

    # -- what happened ---------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request with its answer's status, in the order they were answered."""
        return self.journal.requests

    @property
    def violations(self) -> list[Violation]:
        """Requests the contract does not allow (tests assert this stays empty)."""
        return self.journal.violations

    @property
    def server_errors(self) -> list[str]:
        """Crashes of a handler (answered 500): defects of this server."""
        return self.journal.server_errors

    @property
    def position_rejections(self) -> list[str]:
        """Why each refused diff position was refused (GitLab's answer only names ``line_code``)."""
        return self.journal.position_rejections

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> GitLabApiServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> None:
        """Listen on a free loopback port and serve from a background thread."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        httpd.daemon_threads = True
        self._httpd = httpd
        self.state.root_url = f"http://127.0.0.1:{httpd.server_address[1]}"
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="gitlab-api-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving: delayed answers are cut short, requests being handled finish first."""
        self.dispatcher.drain(timeout=10)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """The instance root (``GITLAB_URL``; python-gitlab's ``url``)."""
        return self.state.root_url

    @property
    def api_url(self) -> str:
        """``url + "/api/v4"`` (``CI_API_V4_URL``)."""
        return self.state.root_url + "/api/v4"

    def clone_url(self, project_id: int) -> str:
        """The project's ``http_url_to_repo`` (the token goes in a header, never here)."""
        with self.state.lock:
            return f"{self.url}/{self.state.projects[project_id].path_with_namespace}.git"

    # -- set-up by tests -------------------------------------------------------------------------
    def add_token(self, token: str, *, bot: bool = True, write: bool = True,
                  projects: list[int] | None = None, username: str | None = None) -> User:
        """Accept ``token`` for a new user; ``write=False``: 403 on writes; ``projects``: the only
        project ids it sees (others are 404, as for a project access token)."""
        with self.state.lock:
            user = User(id=self.state.next_id(), username=username or f"user{len(self.state.users) + 1}",
                        bot=bot)
            self.state.users[user.id] = user
            self.state.tokens[token] = Token(value=token, user=user, write=write,
                                             projects=frozenset(projects) if projects is not None else None)
        return user

    def add_member(self, project_id: int, user: User, access_level: int) -> None:
        """Make ``user`` a member of the project with ``access_level`` (10 guest ... 50 owner)."""
        with self.state.lock:
            self.state.members[(project_id, user.id)] = access_level

    def add_project(self, path: str, repo: Path, *, default_branch: str = "main") -> int:
        """Serve ``group/name`` from ``repo`` (a real non-bare git repository); its id."""
        with self.state.lock:
            project = Project(id=self.state.next_id(), path_with_namespace=path, repo=repo.resolve(),
                              default_branch=default_branch)
            self.state.projects[project.id] = project
        return project.id

    def add_merge_request(self, project_id: int, *, source_branch: str, target_branch: str,
                          title: str = "", draft: bool = False) -> int:
        """An opened MR between two branches of the project's repository; its iid."""
        with self.state.lock:
            project = self.state.projects[project_id]
            iid = 1 + max((i for (pid, i) in self.state.merge_requests if pid == project_id), default=0)
            author = self.developer
            mr = MergeRequest(project_id=project_id, iid=iid, id=self.state.next_id(),
                              source_branch=source_branch, target_branch=target_branch,
                              title=title or f"Merge {source_branch} into {target_branch}", draft=draft,
                              author=author)
            mr.refresh(project.repo)
            self.state.merge_requests[(project_id, iid)] = mr
        return iid

    def refresh_merge_request(self, project_id: int, iid: int) -> None:
        """After a push to the source (or target) branch: new head, new diff_refs, new diff."""
        with self.state.lock:
            self.state.merge_requests[(project_id, iid)].refresh(self.state.projects[project_id].repo)

    def add_pipeline(self, project_id: int, sha: str, *, ref: str) -> int:
        """A CI pipeline of ``sha`` on ``ref`` (``CI_PIPELINE_ID``); statuses posted for the SHA
        join the newest one, or the one named by ``pipeline_id``."""
        with self.state.lock:
            pipeline = Pipeline(id=self.state.next_id(), project_id=project_id, sha=sha, ref=ref)
            self.state.pipelines[pipeline.id] = pipeline
        return pipeline.id

    def set_merge_request(self, project_id: int, iid: int, *, state: str | None = None,
                          draft: bool | None = None, title: str | None = None) -> None:
        """Close, merge, reopen (``state``) or mark draft, as a user would in GitLab."""
        with self.state.lock:
            mr = self.state.merge_requests[(project_id, iid)]
            mr.state = state or mr.state
            mr.draft = mr.draft if draft is None else draft
            mr.title = title or mr.title

    # -- state readers ---------------------------------------------------------------------------
    def merge_request(self, project_id: int, iid: int) -> JSON:
        """The MR as ``GET .../merge_requests/:iid`` answers it."""
        with self.state.lock:
            return self.state.merge_request_json(self.state.merge_requests[(project_id, iid)])

    def project(self, project_id: int) -> JSON:
        with self.state.lock:
            return self.state.project_json(self.state.projects[project_id])

    def statuses(self, project_id: int, sha: str) -> list[JSON]:
        """Every commit status of ``sha`` ever created, oldest first (finished ones included)."""
        with self.state.lock:
            return json.loads(json.dumps(self.state.statuses.get((project_id, sha), [])))  # type: ignore[no-any-return]

    def discussions(self, project_id: int, iid: int) -> list[JSON]:
        """The MR's discussions (notes inside), oldest first; plain notes are individual ones."""
        with self.state.lock:
            return json.loads(json.dumps(self.state.discussions.get((project_id, iid), [])))  # type: ignore[no-any-return]

    def notes(self, project_id: int, iid: int) -> list[JSON]:
        """Every note of the MR, oldest first."""
        return [note for discussion in self.discussions(project_id, iid) for note in discussion["notes"]]


def _encode(answer: Answer) -> tuple[bytes, str]:
    if answer.status == 204 or answer.body is None:
        return b"", "application/json"
    if isinstance(answer.body, str):
        return answer.body.encode(), "text/plain"
    return json.dumps(answer.body).encode(), "application/json"


def _handler_class(server: GitLabApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def _serve(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            raw = read_body(self.rfile, headers)
            if git_http.is_git_path(self.path):
                git = git_http.serve(server.state, server.git_log, self.command, self.path,
                                     headers=headers, body=raw)
                self._send(git.status, git.headers, git.body)
                return
            answer = server.dispatcher.handle(self.command, self.path, headers, raw)
            data, content_type = _encode(answer)
            self._send(answer.status, {"Content-Type": content_type, **answer.headers}, data)

        def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            """The request log is :attr:`GitLabApiServer.requests`, not stderr."""

    return Handler
