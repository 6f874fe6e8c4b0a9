"""A pull request played against the GitHub API test server: a real git repository, real
``diff`` runs (the bundled policies on a real OPA) and the real publisher over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from validator.errors import CommandError
from validator.options import CheckOptions
from validator.report.diff_report import render_diff_report
from validator.report.options import OutputFormat, RenderOptions
from validator.scm.github.client import connect
from validator.scm.github.publisher import (
    GitHubPublisher,
    PublishResult,
    PublishSettings,
    PublishTarget,
)
from validator.scm.outcome import CommentMode, Outcome
from validator.service import DiffRequest, run_diff

REPOSITORY = "octo-org/gitops"
NUMBER = 7
PATH = "apps/shop.yaml"
POLICIES = Path(__file__).resolve().parents[3] / "policies"


def deployment(name: str, *, privileged: bool = False, host_network: bool = False) -> str:
    """A Deployment whose container sets ``privileged`` (and the pod ``hostNetwork``)."""
    host = "      hostNetwork: true\n" if host_network else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\n"
            "spec:\n  replicas: 1\n  selector:\n    matchLabels: {app: " + name + "}\n"
            "  template:\n    metadata:\n      labels: {app: " + name + "}\n    spec:\n" + host
            + f"      containers:\n        - name: {name}\n          image: nginx:1.27\n"
            "          securityContext:\n"
            f"            privileged: {'true' if privileged else 'false'}\n")


def line_of(text: str, needle: str, after: int = 0) -> int:
    """The 1-based number of the first line after line ``after`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text after line {after}")


def outcome_of(repo: GitRepo, base: str, head: str) -> Outcome:
    """What ``gitops-validator diff`` finds between ``base`` and ``head``, as the adapter
    hands it to the publisher."""
    result = run_diff(DiffRequest(folder=repo.root, base=base, head=head, options=CheckOptions(
        policies=(POLICIES,), namespaces=("k8s.*",), jobs=1)))
    markdown = render_diff_report(result, OutputFormat.MARKDOWN, RenderOptions())

    def head_lines(path: str) -> Sequence[str] | None:
        try:
            return repo.git("show", f"{head}:{path}").splitlines()
        except CommandError:
            return None

    return Outcome(report=result.report, blocking=result.exit_code() == 1, markdown=markdown,
                   change=result.change, head_lines=head_lines)


@dataclass
class Publication:
    """One run of the publisher: its result, its log lines and the requests it made."""

    result: PublishResult
    log: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    """``(method, path)`` of each request the server saw during the run."""


def publish(gh: GitHubApiServer, head: str, outcome: Outcome, *, token: str | None = None,
            comments: CommentMode = CommentMode.REVIEW, max_comments: int = 20,
            pull_number: int | None = NUMBER, timeout: float = 5.0, max_wait: float = 5.0,
            before_complete: Callable[[], None] | None = None) -> Publication:
    """Start and complete a check run for ``head`` through the real publisher."""
    first = len(gh.requests)
    log: list[str] = []
    session = connect(gh.url, token or gh.token, timeout=timeout, max_wait=max_wait)
    publisher = GitHubPublisher(session, PublishTarget(repository=REPOSITORY, head_sha=head,
                                                       pull_number=pull_number),
                                PublishSettings(comments=comments, max_comments=max_comments),
                                log=log.append)
    publisher.start()
    if before_complete is not None:
        before_complete()
    result = publisher.complete(outcome)
    return Publication(result=result, log=log,
                       requests=[(r.method, r.path) for r in gh.requests[first:]])


def finding_comments(gh: GitHubApiServer) -> list[dict[str, object]]:
    """Top-level review comments the server holds (not replies), in creation order."""
    return [c for c in gh.state.review_comments.values() if not c.get("in_reply_to_id")]


@dataclass(frozen=True)
class Pushes:
    """A pull request's base and two pushes to it, and the validator's outcome of each push:
    the first makes ``web`` privileged (a new finding on the changed line, the unchanged
    ``db`` above outside the diff) and adds a privileged ``cache`` (new findings that stay),
    the second fixes ``web`` and puts it on the host network instead (a fixed finding and a
    new one), leaving ``cache`` as it was (its comments are kept, not repeated)."""

    repo: GitRepo
    base: str
    first: str
    second: str
    text_first: str
    text_second: str
    outcome_first: Outcome
    outcome_second: Outcome


def build_pushes(root: Path) -> Pushes:
    """Commit the base and both pushes in a new repository at ``root`` and run ``diff``."""
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
    return Pushes(repo=repo, base=base, first=first, second=second, text_first=text_first,
                  text_second=text_second, outcome_first=outcome_of(repo, base, first),
                  outcome_second=outcome_of(repo, base, second))


def serve(gh: GitHubApiServer, pushes: Pushes, head: str) -> None:
    """Serve the repository and pull request #7 at ``head`` from the test server."""
    gh.add_repository(REPOSITORY, git_dir=pushes.repo.root)
    gh.add_pull_request(REPOSITORY, number=NUMBER, base_sha=pushes.base, head_sha=head)
