"""The request and answer types the GitLab route handlers work with (no HTTP plumbing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.gitlab_api.state import MergeRequest, Project, ServerState, Token


class ApiError(Exception):
    """An error answer with GitLab's body: ``{"message": ...}`` (or ``{"error": ...}`` for
    Grape's parameter errors and unknown routes)."""

    def __init__(self, status: int, message: Any, *, key: str = "message",
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.body: Any = {key: message}
        self.headers = dict(headers or {})


def not_found(what: str) -> ApiError:
    """GitLab's ``404 <What> Not Found``."""
    return ApiError(404, f"404 {what} Not Found")


@dataclass(frozen=True, kw_only=True)
class Request:
    """One checked request: path parameters and the merged query/body parameters."""

    state: ServerState
    method: str
    path_params: Mapping[str, Any]
    params: Mapping[str, Any]
    token: Token

    def project(self) -> Project:
        """The ``:id`` project (numeric or path), or 404 when absent or not visible to the token."""
        found = self.state.project(str(self.path_params["id"]))
        if found is None or not self.token.sees(found.id):
            raise not_found("Project")
        return found

    def merge_request(self) -> MergeRequest:
        project = self.project()
        found = self.state.merge_requests.get((project.id, int(self.path_params["merge_request_iid"])))
        if found is None:
            raise not_found("Merge Request")
        return found


@dataclass(frozen=True, kw_only=True)
class Response:
    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    paginate: bool = False
    """A list: paged by the dispatcher (``page``/``per_page``, ``X-*`` and ``Link`` headers)."""


Handler = Callable[[Request], Response]
