"""The request and response types route handlers work with (no HTTP plumbing)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.github_api.state import JSON, App, PullRequest, Repository, ServerState, Token

DOCS = "https://docs.github.com/rest"


class ApiError(Exception):
    """An error answer: status and GitHub's error body."""

    def __init__(self, status: int, message: str, *, errors: list[Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.body: JSON = {"message": message, "documentation_url": DOCS, "status": str(status)}
        if errors is not None:
            self.body["errors"] = errors
        self.headers = dict(headers or {})


class RuleError(ApiError):
    """A body that matches the schema but breaks a rule GitHub documents (and rejects with 422).

    The server records it as a contract violation: the product sent something GitHub refuses.
    """

    def __init__(self, message: str) -> None:
        super().__init__(422, "Invalid request.", errors=[message])
        self.rule = message


def not_found() -> ApiError:
    """GitHub's 404 (also for objects of another repository)."""
    return ApiError(404, "Not Found")


@dataclass(frozen=True, kw_only=True)
class Request:
    """One validated request as a handler sees it."""

    state: ServerState
    method: str
    path: str
    path_params: Mapping[str, Any]
    query: Mapping[str, Any]
    body: Any
    token_login: str
    app: App | None = None
    """The GitHub App a JWT authenticated (app endpoints only)."""
    token: Token | None = None
    """The access token that authenticated the request (None for a JWT)."""

    def repo(self) -> Repository:
        """The ``{owner}/{repo}`` of the path, or 404."""
        found = self.state.repository(str(self.path_params["owner"]), str(self.path_params["repo"]))
        if found is None:
            raise not_found()
        return found

    def pull(self, repo: Repository, key: str = "pull_number") -> PullRequest:
        """The pull request named by a path parameter, or 404."""
        found = self.state.pull_request(repo, int(self.path_params[key]))
        if found is None:
            raise not_found()
        return found

    def json_body(self) -> JSON:
        """The body as an object (validated against the contract already)."""
        return dict(self.body or {})


@dataclass(frozen=True, kw_only=True)
class Response:
    """What a handler answers; lists are paginated by the server."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    paginate: str | None = None
    """Set for list endpoints: "" for a bare JSON array, or the key of the list in a wrapper object
    (``check_runs``) whose ``total_count`` is kept."""


Handler = Callable[[Request], Response]
