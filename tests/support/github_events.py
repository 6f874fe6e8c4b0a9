"""Webhook event payloads for the Action adapter's tests, derived from GitHub's real examples.

``GITHUB_EVENT_PATH`` points at one of these. Each builder starts from a payload in
``../shared/github/webhooks/examples`` (octokit/webhooks), moves it to the test's repository
and sets what the adapter reads (numbers, refs, SHAs); the result is validated against the
webhook schema of the event where one exists, so a builder cannot drift from GitHub's shape.
``merge_group`` and ``workflow_dispatch`` have no example or schema in shared: they are built
from the fields GitHub documents, with the repository and sender of the pull request example.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.support.github_api.contract import shared_dir
from tests.support.github_api.gitdata import git

Payload = dict[str, Any]
PULL_REQUEST_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review")
_EXAMPLE_REPO = "Codertocat/Hello-World"
_ZERO = "0" * 40


class PullRequestLike(Protocol):
    """What a builder needs of a pull request (the test server's ``PullRequest`` fits)."""

    @property
    def number(self) -> int: ...
    @property
    def base_sha(self) -> str: ...
    @property
    def head_sha(self) -> str: ...
    @property
    def base_ref(self) -> str: ...
    @property
    def head_ref(self) -> str: ...


@dataclass(frozen=True)
class PR:
    """A pull request for a payload when no test server keeps one (intake tests)."""

    number: int = 7
    base_sha: str = "a" * 40
    head_sha: str = "b" * 40
    base_ref: str = "main"
    head_ref: str = "feature"


def _webhooks() -> Path:
    return shared_dir() / "github" / "webhooks"


@cache
def _example_text(relative: str) -> str:
    return (_webhooks() / "examples" / relative).read_text()


def _example(relative: str, repository: str, api_url: str | None, *, source: str = _EXAMPLE_REPO) -> Payload:
    """An example with every reference to its repository ``source`` (and optionally the API host)
    replaced."""
    text = _example_text(relative).replace(source, repository)
    if api_url is not None:
        text = text.replace("https://api.github.com", api_url.rstrip("/"))
    payload: Payload = json.loads(text)
    owner, name = repository.split("/")
    repo = payload["repository"]
    repo.update(name=name, full_name=repository)
    repo["owner"]["login"] = owner
    return payload


def pull_request_event(action: str, repository: str, pr: PullRequestLike, *, before: str | None = None,
                       api_url: str | None = None, draft: bool = False,
                       clone_url: str | None = None) -> Payload:
    """A ``pull_request`` event (also the ``pull_request_target`` payload) for ``pr``.

    ``before`` is the previous head of a ``synchronize`` (default: the base SHA);
    ``clone_url`` the repository's (the test server's ``clone_url(repository)``: git over HTTP).
    """
    if action not in PULL_REQUEST_ACTIONS:
        raise ValueError(f"pull_request action {action!r}: one of {PULL_REQUEST_ACTIONS}")
    payload = _example(f"pull_request/{action}.payload.json", repository, api_url)
    if clone_url is not None:
        payload["repository"]["clone_url"] = clone_url
    owner = repository.split("/", maxsplit=1)[0]
    pull = payload["pull_request"]
    payload["number"] = pull["number"] = pr.number
    for side, ref, sha in (("base", pr.base_ref, pr.base_sha), ("head", pr.head_ref, pr.head_sha)):
        pull[side].update(ref=ref, sha=sha, label=f"{owner}:{ref}", repo=copy.deepcopy(payload["repository"]))
    pull["draft"] = draft and action != "ready_for_review"
    pull["merge_commit_sha"] = None
    if action == "synchronize":
        payload["before"], payload["after"] = before or pr.base_sha, pr.head_sha
    _check("pull_request", action, payload)
    return payload


def pull_request_target_event(action: str, repository: str, pr: PullRequestLike, **options: Any) -> Payload:
    """``pull_request_target`` carries the ``pull_request`` payload (GitHub runs it in the base's context)."""
    return pull_request_event(action, repository, pr, **options)


def push_event(repository: str, *, before: str, after: str, ref: str = "refs/heads/main",
               git_dir: Path | None = None, api_url: str | None = None) -> Payload:
    """A ``push`` of ``before..after`` to ``ref``; commits listed from ``git_dir`` when given."""
    payload = _example("push/with-new-branch.payload.json", repository, api_url)
    commits = _push_commits(git_dir, before, after, repository) if git_dir is not None else []
    payload.update(ref=ref, before=before, after=after, created=before == _ZERO, deleted=after == _ZERO,
                   forced=False, base_ref=None, commits=commits,
                   head_commit=commits[-1] if commits else None,
                   compare=f"https://github.com/{repository}/compare/{before[:12]}...{after[:12]}")
    _check("push", "event", payload)
    return payload


def _push_commits(git_dir: Path, before: str, after: str, repository: str) -> list[Payload]:
    span = after if before == _ZERO else f"{before}..{after}"
    fields = "%x1e%H%x00%T%x00%an%x00%ae%x00%cn%x00%ce%x00%cI%x00%B%x00"
    out = git(git_dir, "log", "--reverse", f"--format={fields}",
              "--name-status", "--no-renames", span)
    commits = []
    for record in filter(None, out.split("\x1e")):
        sha, tree, an, ae, cn, ce, date, message, changes = record.split("\0", 8)
        status: dict[str, list[str]] = {"A": [], "D": [], "M": []}
        for line in changes.strip().splitlines():
            code, _, path = line.partition("\t")
            status.get(code[:1], status["M"]).append(path)
        commits.append({
            "id": sha, "tree_id": tree, "distinct": True, "message": message.rstrip("\n"), "timestamp": date,
            "url": f"https://github.com/{repository}/commit/{sha}",
            "author": {"name": an, "email": ae}, "committer": {"name": cn, "email": ce},
            "added": status["A"], "removed": status["D"], "modified": status["M"],
        })
    return commits


def merge_group_event(repository: str, *, head_sha: str, base_sha: str, base_ref: str = "refs/heads/main",
                      pull_number: int = 1, api_url: str | None = None) -> Payload:
    """A ``merge_group`` ``checks_requested`` event (fields as GitHub documents them)."""
    source = _example("pull_request/opened.payload.json", repository, api_url)
    branch = base_ref.removeprefix("refs/heads/")
    return {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": head_sha,
            "head_ref": f"refs/heads/gh-readonly-queue/{branch}/pr-{pull_number}-{base_sha}",
            "base_sha": base_sha, "base_ref": base_ref,
            "head_commit": {"id": head_sha, "tree_id": _ZERO, "message": f"Merge pull request #{pull_number}",
                            "timestamp": "2026-01-01T00:00:00Z",
                            "author": {"name": "Test", "email": "test@example.invalid"},
                            "committer": {"name": "GitHub", "email": "noreply@github.com"}},
        },
        "repository": source["repository"], "sender": source["sender"],
    }


def workflow_dispatch_event(repository: str, *, ref: str = "refs/heads/main",
                            inputs: dict[str, str] | None = None, api_url: str | None = None) -> Payload:
    """A ``workflow_dispatch`` event (no example in shared: GitHub's documented fields)."""
    source = _example("pull_request/opened.payload.json", repository, api_url)
    return {"inputs": dict(inputs or {}), "ref": ref, "workflow": ".github/workflows/gitops-validator.yml",
            "repository": source["repository"], "sender": source["sender"]}


def _pull_entries(payload: Payload, pulls: Sequence[PullRequestLike]) -> list[Payload]:
    """``check_suite.pull_requests`` / ``check_run.pull_requests`` entries (the minimal pull
    request objects GitHub sends there: number and both ends; empty for a fork's pull request)."""
    repo = payload["repository"]
    short = {"id": repo["id"], "url": repo["url"], "name": repo["name"]}
    return [{"url": f"{repo['url']}/pulls/{pr.number}", "id": 1000 + pr.number, "number": pr.number,
             "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": dict(short)},
             "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": dict(short)}} for pr in pulls]


def check_suite_event(action: str, repository: str, *, head_sha: str, head_ref: str = "feature",
                      pulls: Sequence[PullRequestLike] = (), app_id: int = 1, installation_id: int = 1,
                      api_url: str | None = None) -> Payload:
    """A ``check_suite`` ``requested`` or ``rerequested`` event for ``head_sha`` (``pulls`` empty: as
    GitHub sends it for a pull request from a fork)."""
    payload = _example(f"check_suite/{action}.payload.json", repository, api_url)
    suite = payload["check_suite"]
    suite.update(head_sha=head_sha, after=head_sha, head_branch=head_ref,
                 pull_requests=_pull_entries(payload, pulls))
    suite["head_commit"]["id"] = head_sha
    suite["app"]["id"] = app_id
    payload["installation"]["id"] = installation_id
    _check("check_suite", action, payload)
    return payload


def check_run_event(action: str, repository: str, *, head_sha: str, name: str = "gitops-validator",
                    pulls: Sequence[PullRequestLike] = (), app_id: int = 1, installation_id: int = 1,
                    identifier: str = "rerun", api_url: str | None = None) -> Payload:
    """A ``check_run`` ``rerequested`` or ``requested_action`` (the button ``identifier``) event for
    a check run of app ``app_id`` named ``name`` on ``head_sha``."""
    source = {"rerequested": "github/hello-world", "requested_action": "electron/electron"}[action]
    payload = _example(f"check_run/{action}.payload.json", repository, api_url, source=source)
    run = payload["check_run"]
    entries = _pull_entries(payload, pulls)
    run.update(head_sha=head_sha, name=name, pull_requests=entries)
    run["app"]["id"] = app_id
    run["check_suite"].update(head_sha=head_sha, after=head_sha, pull_requests=copy.deepcopy(entries))
    payload["installation"]["id"] = installation_id
    if action == "requested_action":
        payload["requested_action"] = {"identifier": identifier}
    _check("check_run", action, payload)
    return payload


def installation_event(action: str = "created", *, installation_id: int = 1, app_id: int = 1) -> Payload:
    """An ``installation`` event (``created``, ``deleted``, ``suspend``, ...) of app ``app_id``."""
    payload: Payload = json.loads(_example_text(f"installation/{action}.payload.json"))
    payload["installation"].update(id=installation_id, app_id=app_id)
    _check("installation", action, payload)
    return payload


def installation_repositories_event(action: str, repositories: Sequence[str], *, installation_id: int = 1,
                                    app_id: int = 1) -> Payload:
    """An ``installation_repositories`` ``added`` / ``removed`` event for ``repositories``."""
    payload: Payload = json.loads(_example_text(f"installation_repositories/{action}.payload.json"))
    payload["installation"].update(id=installation_id, app_id=app_id)
    template = (payload["repositories_added"] or payload["repositories_removed"])[0]
    listed = [{**template, "id": 5000 + index, "name": full.split("/")[1], "full_name": full}
              for index, full in enumerate(repositories)]
    payload["repositories_added"], payload["repositories_removed"] = (
        (listed, []) if action == "added" else ([], listed))
    _check("installation_repositories", action, payload)
    return payload


def with_installation(payload: Payload, installation_id: int) -> Payload:
    """``payload`` as GitHub delivers it to an App: naming the installation (some examples lack it)."""
    return {**payload, "installation": {"id": installation_id, "node_id": f"installation-{installation_id}"}}


def ping_event(*, app_id: int = 1) -> Payload:
    """The ``ping`` GitHub sends when the App's webhook is created."""
    payload: Payload = json.loads(_example_text("ping/with-app_id.payload.json"))
    payload["hook"]["app_id"] = app_id
    _check("ping", "event", payload)
    return payload


def write_event(payload: Payload, path: Path) -> Path:
    """Write a payload where ``GITHUB_EVENT_PATH`` will point."""
    path.write_text(json.dumps(payload, indent=2))
    return path


@cache
def _registry() -> Registry[Any]:
    resources = []
    for file in sorted((_webhooks() / "schemas").rglob("*.schema.json")):
        contents = json.loads(file.read_text())
        resources.append((contents.get("$id", file.name), Resource.from_contents(contents, DRAFT7)))
    return Registry().with_resources(resources)


def schema_problems(event: str, action: str, payload: Payload) -> list[str]:
    """Problems of a payload against ``schemas/<event>/<action>.schema.json`` (``event`` for push)."""
    schema_file = _webhooks() / "schemas" / event / f"{action}.schema.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft7Validator(schema, registry=_registry())
    errors = validator.iter_errors(payload)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def _check(event: str, action: str, payload: Payload) -> None:
    problems = schema_problems(event, action, payload)
    if problems:
        raise ValueError(f"derived {event} {action} payload does not match its schema: {problems[:5]}")


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` header GitHub sends for ``body`` (computed here, not by the app)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
