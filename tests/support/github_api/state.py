"""What the test server remembers between requests.

Objects the product creates (check runs, reviews, comments, statuses) are stored as the JSON
dicts GitHub returns, so a test asserts on exactly what a client would read back. Repositories,
pull requests and tokens are set up by the test. One lock serialises request handling: the
server is a fake of a consistent service, not a concurrency test.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.github_api.gitdata import PullData, pull_data

JSON = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Repository:
    """A repository served from a real git directory."""

    owner: str
    name: str
    id: int
    git_dir: Path
    default_branch: str = "main"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(kw_only=True)
class PullRequest:
    """A pull request: refs and SHAs set by the test, files and commits computed by git."""

    repository: str
    number: int
    id: int
    base_sha: str
    head_sha: str
    base_ref: str
    head_ref: str
    data: PullData
    title: str = "Change"
    state: str = "open"
    draft: bool = False
    user: str = "octocat"

    def refresh(self, git_dir: Path) -> None:
        """Recompute files and commits after the test moved base or head."""
        self.data = pull_data(git_dir, self.base_sha, self.head_sha)


@dataclass(kw_only=True)
class ReviewThread:
    """A GraphQL review thread: one top-level review comment and its replies."""

    id: str
    repository: str
    pull_number: int
    comment_ids: list[int]
    is_resolved: bool = False


@dataclass(frozen=True, kw_only=True)
class Token:
    """An access token: all-or-nothing (``write``) or an installation token's permissions."""

    value: str
    write: bool
    login: str = "github-actions[bot]"
    permissions: Mapping[str, str] | None = None
    """Installation tokens: permission -> ``read``/``write`` (None: ``write`` decides)."""
    repositories: frozenset[str] | None = None
    """Installation tokens: the ``owner/name`` (lower case) it may see (None: every one)."""
    app_id: int | None = None
    """Installation tokens: the GitHub App whose installation it belongs to (check runs it
    creates are that app's)."""


@dataclass(frozen=True, kw_only=True)
class App:
    """A GitHub App: its JWTs are signed with ``private_key`` (PEM)."""

    app_id: int
    slug: str
    private_key: str
    public_key: str


@dataclass(frozen=True, kw_only=True)
class Installation:
    """An app installed on some repositories with some permissions."""

    id: int
    app_id: int
    account: str
    repositories: frozenset[str]
    permissions: Mapping[str, str]


@dataclass(kw_only=True)
class ServerState:
    """Everything the server stores; guarded by :attr:`lock` while a request is handled."""

    base_url: str = ""
    """The REST API root (``/api/v3`` under ``root_url`` for GitHub Enterprise)."""
    root_url: str = ""
    """``http://127.0.0.1:<port>``: GraphQL and archive downloads hang off it."""
    repositories: dict[str, Repository] = field(default_factory=dict)
    pull_requests: dict[tuple[str, int], PullRequest] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    installations: dict[int, Installation] = field(default_factory=dict)
    check_runs: dict[int, JSON] = field(default_factory=dict)
    annotations: dict[int, list[JSON]] = field(default_factory=dict)
    """Check run id -> annotations in the order they were added (PATCHes append)."""
    check_suites: dict[int, JSON] = field(default_factory=dict)
    reviews: dict[int, JSON] = field(default_factory=dict)
    review_comments: dict[int, JSON] = field(default_factory=dict)
    issue_comments: dict[int, JSON] = field(default_factory=dict)
    review_threads: dict[str, ReviewThread] = field(default_factory=dict)
    statuses: list[JSON] = field(default_factory=list)
    rerequests: list[tuple[str, int]] = field(default_factory=list)
    """``("check_suite" | "check_run", id)`` re-requested by a client, in order."""
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        """A fresh id, unique across object kinds (GitHub's ids are too)."""
        return next(self._ids)

    def repository(self, owner: str, name: str) -> Repository | None:
        """The repository ``owner/name`` (case-insensitive, as GitHub)."""
        return self.repositories.get(f"{owner}/{name}".lower())

    def pull_request(self, repo: Repository, number: int) -> PullRequest | None:
        return self.pull_requests.get((repo.full_name, number))

    def thread_of(self, comment_id: int) -> ReviewThread | None:
        """The review thread a review comment belongs to."""
        return next((t for t in self.review_threads.values() if comment_id in t.comment_ids), None)

    def repo_url(self, repo: Repository) -> str:
        return f"{self.base_url}/repos/{repo.full_name}"
