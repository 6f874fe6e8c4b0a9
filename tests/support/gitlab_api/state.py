"""What the GitLab test server remembers between requests.

Users, tokens, projects (each a real git repository given by the test) and merge requests are
set up by the test; commit statuses, discussions and notes are created by the product through
the API and kept as the JSON GitLab returns, so a test asserts on what a client reads back.
One lock serialises request handling: this is a fake of a consistent service.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.gitlab_api import gitrepo

JSON = dict[str, Any]
TIMESTAMP = "2026-01-01T00:00:00.000Z"


@dataclass(frozen=True, kw_only=True)
class User:
    id: int
    username: str
    bot: bool

    def json(self, root_url: str) -> JSON:
        """The user as GitLab embeds it (``author``, ``/user``)."""
        return {"id": self.id, "username": self.username, "name": self.username, "state": "active",
                "locked": False, "bot": self.bot, "avatar_url": None,
                "web_url": f"{root_url}/{self.username}"}


@dataclass(frozen=True, kw_only=True)
class Token:
    """An access token: its user, whether it may write, the projects it sees (None: all)."""

    value: str
    user: User
    write: bool
    projects: frozenset[int] | None

    def sees(self, project_id: int) -> bool:
        return self.projects is None or project_id in self.projects


@dataclass(frozen=True, kw_only=True)
class Project:
    id: int
    path_with_namespace: str
    repo: Path
    default_branch: str

    @property
    def name(self) -> str:
        return self.path_with_namespace.rsplit("/", 1)[-1]


@dataclass(kw_only=True)
class MergeRequest:
    """An MR: branches set by the test; SHAs and ``diff_refs`` computed with real git."""

    project_id: int
    iid: int
    id: int
    source_branch: str
    target_branch: str
    title: str
    draft: bool
    author: User
    state: str = "opened"
    head_sha: str = ""
    base_sha: str = ""
    start_sha: str = ""
    diff: list[gitrepo.FileDiff] = field(default_factory=list)
    updated: int = 0

    @property
    def head_ref(self) -> str:
        """Where GitLab keeps the MR's head in the target project (also a fork's)."""
        return f"refs/merge-requests/{self.iid}/head"

    def refresh(self, repo: Path) -> None:
        """Recompute head, diff_refs and the diff from the branches (after a push, as GitLab does)
        and move :attr:`head_ref`. A source branch absent from the repository (a fork's) is read
        from :attr:`head_ref`, which the test then moves itself."""
        branch = f"refs/heads/{self.source_branch}"
        source = branch if gitrepo.ref_exists(repo, branch) else self.head_ref
        self.head_sha = gitrepo.rev(repo, source)
        gitrepo.git(repo, "update-ref", self.head_ref, self.head_sha)
        self.start_sha = gitrepo.rev(repo, self.target_branch)
        self.base_sha = gitrepo.merge_base(repo, self.start_sha, self.head_sha)
        self.diff = gitrepo.mr_diff(repo, self.base_sha, self.head_sha)
        self.updated += 1

    @property
    def diff_refs(self) -> JSON:
        return {"base_sha": self.base_sha, "head_sha": self.head_sha, "start_sha": self.start_sha}


@dataclass(frozen=True, kw_only=True)
class Pipeline:
    """A pipeline of a commit: made by the test (a CI run) or by a status POST (``external``)."""

    id: int
    project_id: int
    sha: str
    ref: str


@dataclass
class ServerState:
    """Everything the server knows; guard every access with ``lock``."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    users: dict[int, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    merge_requests: dict[tuple[int, int], MergeRequest] = field(default_factory=dict)
    statuses: dict[tuple[int, str], list[JSON]] = field(default_factory=dict)
    """(project id, sha) -> statuses in creation order (each a GitLab commit status JSON)."""
    discussions: dict[tuple[int, int], list[JSON]] = field(default_factory=dict)
    """(project id, MR iid) -> discussions in creation order, notes inside."""
    pipelines: dict[int, Pipeline] = field(default_factory=dict)
    members: dict[tuple[int, int], int] = field(default_factory=dict)
    """(project id, user id) -> access level (direct or inherited: what ``members/all`` answers)."""
    root_url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def next_id(self) -> int:
        return next(self._ids)

    def project(self, ref: str) -> Project | None:
        """A project by numeric id or by (already decoded) ``path_with_namespace``."""
        if ref.isdigit():
            return self.projects.get(int(ref))
        for project in self.projects.values():
            if project.path_with_namespace.lower() == ref.lower():
                return project
        return None

    def project_json(self, project: Project) -> JSON:
        web = f"{self.root_url}/{project.path_with_namespace}"
        namespace, _, name = project.path_with_namespace.rpartition("/")
        return {"id": project.id, "name": name, "path": name,
                "name_with_namespace": project.path_with_namespace,
                "path_with_namespace": project.path_with_namespace, "description": "",
                "default_branch": project.default_branch, "visibility": "private",
                "web_url": web, "http_url_to_repo": f"{web}.git",
                "ssh_url_to_repo": f"git@127.0.0.1:{project.path_with_namespace}.git",
                "namespace": {"id": 1, "name": namespace, "path": namespace, "kind": "group",
                              "full_path": namespace},
                "archived": False, "created_at": TIMESTAMP, "last_activity_at": TIMESTAMP}

    def merge_request_json(self, mr: MergeRequest) -> JSON:
        project = self.projects[mr.project_id]
        return {"id": mr.id, "iid": mr.iid, "project_id": mr.project_id, "title": mr.title,
                "description": "", "state": mr.state, "draft": mr.draft, "work_in_progress": mr.draft,
                "source_branch": mr.source_branch, "target_branch": mr.target_branch,
                "source_project_id": mr.project_id, "target_project_id": mr.project_id,
                "author": mr.author.json(self.root_url), "sha": mr.head_sha, "merge_commit_sha": None,
                "diff_refs": mr.diff_refs, "merge_status": "can_be_merged",
                "detailed_merge_status": "mergeable", "has_conflicts": False,
                "web_url": f"{self.root_url}/{project.path_with_namespace}/-/merge_requests/{mr.iid}",
                "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "references": {
                    "short": f"!{mr.iid}", "full": f"{project.path_with_namespace}!{mr.iid}"},
                "head_pipeline": self._head_pipeline(mr)}

    def _head_pipeline(self, mr: MergeRequest) -> JSON | None:
        """The newest pipeline of the head on the source branch or the merge request's ref, as
        GitLab's ``MergeRequest#head_pipeline`` (what "Pipelines must succeed" reads); None
        while there is none."""
        refs = {mr.source_branch, f"refs/merge-requests/{mr.iid}/head"}
        found = [p for p in self.pipelines.values()
                 if p.project_id == mr.project_id and p.sha == mr.head_sha and p.ref in refs]
        newest = max(found, key=lambda p: p.id, default=None)
        if newest is None:
            return None
        return {"id": newest.id, "iid": newest.id, "project_id": newest.project_id, "sha": newest.sha,
                "ref": newest.ref, "status": "running", "source": "merge_request_event",
                "web_url": f"{self.root_url}/-/pipelines/{newest.id}"}
