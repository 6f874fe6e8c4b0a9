"""Git over HTTP as GitLab serves it: ``/<path_with_namespace>.git/...`` behind Basic auth.

GitLab accepts a personal, project or group access token as the Basic-auth password with any
user name (``oauth2`` is the documented one for OAuth tokens and works for all of them)
(https://docs.gitlab.com/user/profile/personal_access_tokens/ ,
https://docs.gitlab.com/api/oauth2/#access-git-over-https-with-access-token). No credentials or
a wrong token: 401 ``HTTP Basic: Access denied`` with ``WWW-Authenticate`` (git then fails
unless a credential helper answers). The exchange is the real ``git http-backend``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from tests.support.git_http_backend import GitAnswer, run_backend
from tests.support.gitlab_api.state import ServerState

DENIED = b"HTTP Basic: Access denied.\n"


@dataclass(frozen=True, kw_only=True)
class GitRequest:
    method: str
    path: str
    """The path and query (never carries a token: checked by tests)."""
    status: int
    user: str
    """The Basic-auth user name ("" when none)."""


@dataclass
class GitLog:
    requests: list[GitRequest] = field(default_factory=list)


def is_git_path(path: str) -> bool:
    """Whether ``path`` is a git endpoint (``/<group>/<name>.git/...``)."""
    return ".git/" in urlsplit(path).path and not path.startswith("/api/")


def serve(state: ServerState, log: GitLog, method: str, target: str, *, headers: dict[str, str],
          body: bytes) -> GitAnswer:
    """Answer one smart-HTTP request (``headers`` lower-cased)."""
    split = urlsplit(target)
    full_path, _, inner = unquote(split.path).lstrip("/").partition(".git/")
    user, secret = _basic(headers.get("authorization", ""))
    with state.lock:
        project = state.project(full_path) if "/" in full_path else None
        token = state.tokens.get(secret) if secret else None
        allowed = project is not None and token is not None and token.sees(project.id)
    if not allowed or project is None:
        answer = GitAnswer(status=401, headers={"WWW-Authenticate": 'Basic realm="GitLab"',
                                                "Content-Type": "text/plain"}, body=DENIED)
    else:
        answer = run_backend(project.repo, method=method, inner=inner, query=split.query, headers=headers,
                             body=body, remote_user="oauth2")
    log.requests.append(GitRequest(method=method, path=target, status=answer.status, user=user))
    return answer


def _basic(authorization: str) -> tuple[str, str]:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, secret
