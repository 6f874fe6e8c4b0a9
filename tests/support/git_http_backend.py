"""Git's smart HTTP protocol served by the real ``git http-backend`` CGI program.

Shared by the GitHub and GitLab test servers (each owns its URL layout and its auth rules);
this module owns only the CGI exchange: the environment, the body, the answer's status and
headers. Any reachable commit may be fetched by its SHA, as both hosts allow.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, kw_only=True)
class GitAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def run_backend(git_dir: Path, *, method: str, inner: str, query: str, headers: dict[str, str],
                body: bytes, remote_user: str) -> GitAnswer:
    """Answer one smart-HTTP request for ``git_dir`` (``inner``: the path below ``<repo>.git/``,
    ``headers`` lower-cased)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(git_dir.parent),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{git_dir.name}/{inner}",
        "QUERY_STRING": query,
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": remote_user,
        "REMOTE_ADDR": "127.0.0.1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(git_dir.parent),
        # both hosts let a client fetch any reachable commit by its SHA
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
        return GitAnswer(status=500, headers={}, body=done.stderr or b"git http-backend failed\n")
    status, answer_headers = 200, {}
    for line in head.decode("latin-1").split("\r\n"):
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        elif key:
            answer_headers[key.strip()] = value.strip()
    return GitAnswer(status=status, headers=answer_headers, body=payload)


def read_body(rfile: Any, headers: dict[str, str]) -> bytes:
    """The request body: ``Content-Length`` bytes, or the chunks of a chunked body."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                rfile.readline()
                break
            parts.append(rfile.read(size))
            rfile.readline()
        return b"".join(parts)
    length = int(headers.get("content-length") or 0)
    return bytes(rfile.read(length)) if length else b""
