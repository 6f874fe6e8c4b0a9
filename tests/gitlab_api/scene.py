"""A small real repository and MR for the GitLab test server's own tests.

``main`` holds ``deploy.yaml`` (lines ``line 1`` .. ``line 12``); ``feature`` changes line 6
and adds two lines after line 10. ``git diff main...feature`` then shows: added lines 6, 11, 12
(new side), removed line 6 (old side), and unchanged context lines 3-5, 7-10 (same numbers on
both sides up to 10) and 13-14 -> 11-12.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.gitlab_api import GitLabApiServer


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def commit_file(repo: Path, name: str, lines: list[str], message: str) -> str:
    (repo / name).write_text("".join(f"{line}\n" for line in lines))
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    base = [f"line {n}" for n in range(1, 13)]
    commit_file(repo, "deploy.yaml", base, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    changed = [*base[:5], "line 6 changed", *base[6:10], "added a", "added b", *base[10:]]
    commit_file(repo, "deploy.yaml", changed, "change")
    git(repo, "checkout", "-q", "main")
    return repo


@dataclass(frozen=True)
class Scene:
    project_id: int
    iid: int
    repo: Path


def open_mr(srv: GitLabApiServer, root: Path, path: str = "group/app") -> Scene:
    repo = make_repo(root)
    project_id = srv.add_project(path, repo)
    iid = srv.add_merge_request(project_id, source_branch="feature", target_branch="main", title="Change")
    return Scene(project_id=project_id, iid=iid, repo=repo)
