"""Git over HTTPS as GitHub serves it, for the test server: ``git http-backend`` behind Basic auth.

``/git/<owner>/<name>.git/...`` serves the repository's git directory with the smart HTTP
protocol (the real ``git http-backend`` CGI program). As on GitHub, an installation token
is accepted as ``Authorization: Basic base64(x-access-token:<token>)``; no credentials, or
a token that does not see the repository, is a 401 with ``WWW-Authenticate`` (git then asks
its credential helpers, and fails). Any reachable commit may be fetched by SHA, as on GitHub.
"""

from __future__ import annotations

import base64
import binascii
import os
import subprocess
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.github_api.state import ServerState

PREFIX = "/git/"


@dataclass(frozen=True, kw_only=True)
class GitAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


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
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(repo.git_dir.parent),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{repo.git_dir.name}/{inner}",
        "QUERY_STRING": split.query,
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": "x-access-token",
        "REMOTE_ADDR": "127.0.0.1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo.git_dir.parent),
        # GitHub lets a client fetch any reachable commit by its SHA
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "uploadpack.allowReachableSHA1InWant",
        "GIT_CONFIG_VALUE_0": "true",
    }
    if "git-protocol" in headers:
        env["GIT_PROTOCOL"] = headers["git-protocol"]
    if "content-encoding" in headers:
        env["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
    done = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env,
                          timeout=120, check=False)
    head, separator, payload = done.stdout.partition(b"\r\n\r\n")
    if not separator or done.returncode != 0:
        log.requests.append((method, split.path, 500))
        return GitAnswer(status=500, headers={}, body=done.stderr or b"git http-backend failed\n")
    status, answer_headers = 200, {}
    for line in head.decode("latin-1").split("\r\n"):
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        elif key:
            answer_headers[key.strip()] = value.strip()
    log.requests.append((method, split.path, status))
    return GitAnswer(status=status, headers=answer_headers, body=payload)


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


def read_body(rfile: object, headers: dict[str, str]) -> bytes:
    """The request body: ``Content-Length`` bytes, or the chunks of a chunked body."""
    read = rfile.read  # type: ignore[attr-defined]
    readline = rfile.readline  # type: ignore[attr-defined]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int(readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                readline()
                break
            parts.append(read(size))
            readline()
        return b"".join(parts)
    length = int(headers.get("content-length") or 0)
    return bytes(read(length)) if length else b""
