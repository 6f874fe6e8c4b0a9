"""A merge request played against the GitLab API test server: a real git repository, real
``diff`` runs (the bundled policies on a real OPA) and the real publisher over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.scm.github.scenario import PATH, deployment, outcome_of
from tests.support.gitlab_api import GitLabApiServer
from validator.scm.gitlab.client import GitLabSession
from validator.scm.gitlab.position import DiffRefs
from validator.scm.gitlab.publisher import (
    GitLabPublisher,
    GitLabPublishResult,
    GitLabPublishSettings,
    MergeRequestTarget,
)
from validator.scm.outcome import CommentMode, Outcome

PROJECT = "platform/gitops"
TARGET_URL = "https://validator.example.com/runs/1"


@dataclass(frozen=True)
class MrPushes:
    """The base and two pushes of a merge request (as in :class:`tests.scm.github.scenario.Pushes`):
    the first makes ``web`` privileged and adds a privileged ``cache``; the second fixes
    ``web`` and puts it on the host network, leaving ``cache`` as it was."""

    repo: GitRepo
    base: str
    first: str
    second: str
    text_first: str
    text_second: str
    outcome_first: Outcome
    outcome_second: Outcome


def build_mr_pushes(root: Path) -> MrPushes:
    """Commit the base on ``main`` and both pushes (not on any branch yet) and run ``diff``."""
    repo = GitRepo.init(root)
    db = deployment("db")
    repo.write(PATH, db + "---\n" + deployment("web"))
    base = repo.commit("base")
    cache = "---\n" + deployment("cache", privileged=True)
    text_first = db + "---\n" + deployment("web", privileged=True) + cache
    repo.write(PATH, text_first)
    first = repo.commit("web runs privileged")
    text_second = db + "---\n" + deployment("web", host_network=True) + cache
    repo.write(PATH, text_second)
    second = repo.commit("web not privileged, but on the host network")
    repo.git("reset", "-q", "--hard", base)  # main stays at the base
    return MrPushes(repo=repo, base=base, first=first, second=second, text_first=text_first,
                    text_second=text_second, outcome_first=outcome_of(repo, base, first),
                    outcome_second=outcome_of(repo, base, second))


def open_mr(srv: GitLabApiServer, repo: GitRepo, branch: str, head: str) -> tuple[int, int]:
    """Point ``branch`` at ``head``, serve the repository and open an MR into ``main``."""
    repo.git("branch", "-f", branch, head)
    project_id = srv.add_project(PROJECT, repo.root)
    return project_id, srv.add_merge_request(project_id, source_branch=branch, target_branch="main")


def push(srv: GitLabApiServer, repo: GitRepo, mr: tuple[int, int], branch: str, head: str) -> None:
    """Move ``branch`` to ``head`` and let the server see the push."""
    repo.git("branch", "-f", branch, head)
    srv.refresh_merge_request(*mr)


@dataclass
class Publication:
    """One run of the publisher: its result, log lines, waits and the requests it made."""

    result: GitLabPublishResult
    log: list[str] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)


def publish(srv: GitLabApiServer, project_id: int, iid: int, outcome: Outcome, *,
            token: str | None = None, max_comments: int = 20, start: bool = True,
            comments: CommentMode = CommentMode.REVIEW, timeout: float = 5.0) -> Publication:
    """Start (pending, running) and complete the status of the MR's head through the real
    publisher, with the MR's diff_refs read from the server as the app reads them."""
    mr = srv.merge_request(project_id, iid)
    first = len(srv.requests)
    publication = Publication(result=None)  # type: ignore[arg-type]
    session = GitLabSession(srv.url, token or srv.token, timeout=timeout, max_wait=5,
                            on_wait=publication.waits.append)
    target = MergeRequestTarget(project_id=project_id, project_path=PROJECT, head_sha=mr["sha"], iid=iid,
                                diff_refs=DiffRefs.from_api(mr["diff_refs"]), ref=mr["source_branch"],
                                target_url=TARGET_URL)
    publisher = GitLabPublisher(session, target, GitLabPublishSettings(comments=comments,
                                                                       max_comments=max_comments),
                                log=publication.log.append)
    if start:
        publisher.start()
        publisher.running()
    publication.result = publisher.complete(outcome)
    session.close()
    publication.requests = [(r.method, r.path) for r in srv.requests[first:]]
    return publication


def diff_discussions(srv: GitLabApiServer, project_id: int, iid: int) -> list[dict[str, object]]:
    """The MR's positioned discussions, oldest first."""
    return [d for d in srv.discussions(project_id, iid) if d["notes"][0].get("position")]
