"""Building blocks of the reconciliation tests: repositories with open pull requests on the
GitHub API test server, and one RSA key for the tests' apps."""

from __future__ import annotations

import functools
from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from tests.support.github_api.routes.apps import new_app

CHECK = "gitops-validator"


@functools.cache
def shared_key() -> str:
    """One RSA key for every app of the tests (generating one per test is most of its time)."""
    return new_app(0).private_key


def pull_requests(gh: GitHubApiServer, root: Path, name: str,
                  numbers: list[int]) -> dict[str, tuple[str, str]]:
    """``name`` served from a real repository with an open pull request per number, each from
    its own branch ``pr-<number>`` off ``main``; ``owner/name#number`` -> (base, head) SHAs."""
    git = GitRepo.init(root / name.replace("/", "-"))
    git.write("apps/config.yaml", f"repository: {name}\n")
    base = git.commit("base")
    heads = {}
    for number in numbers:
        git.git("checkout", "-q", "-b", f"pr-{number}", base)
        git.write("apps/config.yaml", f"repository: {name}\npull: {number}\n")
        heads[f"{name}#{number}"] = (base, git.commit(f"pull {number}"))
    gh.add_repository(name, git_dir=git.root)
    for number in numbers:
        gh.add_pull_request(name, number=number, base_sha=base, head_sha=heads[f"{name}#{number}"][1],
                            head_ref=f"pr-{number}")
    return heads
