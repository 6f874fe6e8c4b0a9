"""A real git repository with a pull request on the test server, and a PyGithub client for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import github
import pytest

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer

REPO = "octo-org/gitops"
BASE_DEPLOY = "".join(f"line {n}\n" for n in range(1, 31))
# Head changes line 10 and adds line 31: hunks cover head lines 7-13 and 28-31.
HEAD_DEPLOY = BASE_DEPLOY.replace("line 10\n", "line 10 changed\n") + "line 31\n"


@dataclass(frozen=True, kw_only=True)
class PullScene:
    """A server with ``octo-org/gitops`` and pull request 7 (base ``main``, head ``feature``)."""

    gh: GitHubApiServer
    git: GitRepo
    base_sha: str
    head_sha: str

    def client(self, token: str | None = None) -> github.Github:
        """PyGithub against the test server: lazy (the contract has no GET commit), no retries."""
        return github.Github(base_url=self.gh.url, auth=github.Auth.Token(token or self.gh.token),
                             retry=None, seconds_between_requests=0, seconds_between_writes=0, lazy=True)


@pytest.fixture
def scene(github_api: GitHubApiServer, tmp_path: Path) -> PullScene:
    git = GitRepo.init(tmp_path / "repo")
    git.write("apps/web/deploy.yaml", BASE_DEPLOY)
    git.write("README.md", "# gitops\n")
    base = git.commit("base")
    git.git("checkout", "-q", "-b", "feature")
    git.write("apps/web/deploy.yaml", HEAD_DEPLOY)
    git.write("apps/api/new.yaml", "kind: ConfigMap\n")
    head = git.commit("feature")
    github_api.add_repository(REPO, git_dir=git.root)
    github_api.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    return PullScene(gh=github_api, git=git, base_sha=base, head_sha=head)
