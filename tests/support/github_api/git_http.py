"""Git over HTTPS as GitHub serves it, for the test server: ``git http-backend`` behind Basic auth.

The CGI exchange itself is :mod:`tests.support.git_http_backend` (shared with the GitLab server).

``/git/<owner>/<name>.git/...`` serves the repository's git directory with the smart HTTP
protocol (the real ``git http-backend`` CGI program). As on GitHub, an installation token
is accepted as ``Authorization: Basic base64(x-access-token:<token>)``; no credentials, or
a token that does not see the repository, is a 401 with ``WWW-Authenticate`` (git then asks
its credential helpers, and fails). Any reachable commit may be fetched by SHA, as on GitHub.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.git_http_backend import GitAnswer, read_body, run_backend
from tests.support.github_api.state import ServerState

__all__ = ["GitAnswer", "GitLog", "clone_url", "read_body", "serve"]

PREFIX = "/git/"


@dataclass
class GitLog:
    """What the git endpoint saw: the Authorization headers and paths (to check no token leaks)."""

    requests: list[tuple[str, str, int]] = field(default_factory=list)
    """``(method, path with query, status)`` in order."""


def clone_url(root_url: str, full_name: str) -> str:
    """Where the repository ``owner/name`` is cloned from."""
    return f"{root_url}{PREFIX}{full_name}.git"


def serve(state: ServerState, log: GitLog, method: str, target: str, *, headers: dict[str, str],
          body: bytes) -> GitAnswer:
    """Answer one smart-HTTP request (``headers`` lower-cased)."""
    split = urlsplit(target)
    rest = split.path[len(PREFIX):]
    owner, _, tail = rest.partition("/")
    name, _, inner = tail.partition(".git/")
    with state.lock:
        repo = state.repository(owner, name)
        allowed = repo is not None and _authorised(state, headers.get("authorization", ""), repo.full_name)
    if repo is None or not allowed:
        answer = GitAnswer(status=404 if repo is None else 401,
                           headers={"WWW-Authenticate": 'Basic realm="GitHub"'},
                           body=b"Invalid username or token.\n")
        log.requests.append((method, split.path, answer.status))
        return answer
    answer = run_backend(repo.git_dir, method=method, inner=inner, query=split.query, headers=headers,
                         body=body, remote_user="x-access-token")
    log.requests.append((method, split.path, answer.status))
    return answer


def _authorised(state: ServerState, authorization: str, full_name: str) -> bool:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    token = state.tokens.get(secret)
    if user != "x-access-token" or token is None:
        return False
    return token.repositories is None or full_name.lower() in token.repositories
