"""The webhook app end to end for GitLab: real ``serve`` / ``worker`` processes, real hooks.

Every test runs twice, as :mod:`tests.app.test_end_to_end` does: on the embedded queue
(``serve`` with its worker threads) and on Redis with two ``worker`` processes. GitLab is the
GitLab API test server (positions checked with GitLab's rules, git over HTTP) with the app's
bot token; payloads are GitLab's own examples (``tests/support/gitlab_events.py``) filled with
the server's real values and sent with ``X-Gitlab-Token``. The app is configured for GitHub
too (the GitHub API test server with the App installed): one deployment serves both, and one
test sends a delivery of each side by side. Waits are bounded polls of what the servers
stored, never timed assertions.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.action.scenario import deployment
from tests.change.gitrepo import GitRepo
from tests.support import github_events
from tests.support.app_process import (
    INSTALLATION_ID,
    AppCluster,
    AppConfig,
    AppProcess,
    get,
    post_webhook,
    register_app,
)
from tests.support.github_api import GitHubApiServer
from tests.support.github_events import sign
from tests.support.gitlab_api import GitLabApiServer
from tests.support.gitlab_events import merge_request_event, send_gitlab
from tests.support.redis_server import redis_server

PROJECT = "platform/gitops"
GITHUB_REPOSITORY = "octo-org/gitops"
SECRET = "e2e-gitlab-hook-secret"
CHECK = "gitops-validator"
CONFIG = "settings:\n  policies: [builtin]\n"
DEADLINE = 240.0
LEASE_SECONDS = "8"
FINAL = ("success", "failed")
MR_HOOK = "Merge Request Hook"
#: Where reviewers would reach the app (the statuses' ``target_url``); the tests read the page
#: from the intake itself at the same path.
PUBLIC_URL = "https://validator.example.test"


def _line(text: str, needle: str) -> int:
    """The 1-based line of ``text`` holding ``needle`` (where a finding must be discussed)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@dataclass
class World:
    """A GitOps project on the GitLab test server, the app deployed against it, and helpers."""

    gl: GitLabApiServer
    gh: GitHubApiServer
    origin: GitRepo
    project_id: int
    config: AppConfig
    cluster: AppCluster
    backend: str
    intake: AppProcess | None = None

    # -- repository ---------------------------------------------------------------------------
    def commit_on(self, branch: str, files: dict[str, str | None], message: str) -> str:
        """Commit ``files`` on ``branch`` (created from main; None removes a file)."""
        branches = self.origin.git("branch", "--format=%(refname:short)").split()
        self.origin.git("checkout", "-q", *(() if branch in branches else ("-b",)), branch,
                        *(() if branch in branches else ("main",)))
        for path, text in files.items():
            if text is None:
                self.origin.git("rm", "-q", path)
            else:
                self.origin.write(path, text)
        sha = self.origin.commit(message)
        self.origin.git("checkout", "-q", "main")
        return sha

    def open_merge_request(self, branch: str, files: dict[str, str | None]) -> int:
        """A merge request of ``branch`` (one commit of ``files``) into main; its iid."""
        self.commit_on(branch, files, f"change on {branch}")
        return self.gl.add_merge_request(self.project_id, source_branch=branch, target_branch="main",
                                         title=f"change on {branch}")

    def push(self, iid: int, branch: str, files: dict[str, str | None]) -> tuple[str, str]:
        """Another commit on the merge request's branch; GitLab's merge request follows it.
        The old and the new head."""
        before = self.head(iid)
        self.commit_on(branch, files, f"push on {branch}")
        self.gl.refresh_merge_request(self.project_id, iid)
        return before, self.head(iid)

    def head(self, iid: int) -> str:
        return str(self.merge_request(iid)["sha"])

    def merge_request(self, iid: int) -> dict[str, Any]:
        answer = requests.get(f"{self.gl.api_url}/projects/{self.project_id}/merge_requests/{iid}",
                              headers={"PRIVATE-TOKEN": self.gl.token}, timeout=30)
        answer.raise_for_status()
        return dict(answer.json())

    # -- deliveries ---------------------------------------------------------------------------
    def hook(self, iid: int, action: str = "open", *, oldrev: str | None = None, token: str | None = SECRET,
             delivery: str | None = None) -> tuple[int, str]:
        """One ``Merge Request Hook`` to the intake, as GitLab sends it; status and text."""
        assert self.intake is not None
        payload = merge_request_event(self.gl, self.project_id, iid, action=action, oldrev=oldrev)
        return send_gitlab(f"{self.intake.url}/webhooks/gitlab", MR_HOOK, payload, token=token, uuid=delivery)

    # -- what GitLab shows --------------------------------------------------------------------
    def statuses(self, sha: str) -> list[dict[str, Any]]:
        return [dict(s) for s in self.gl.statuses(self.project_id, sha) if s.get("name") == CHECK]

    def final(self, sha: str) -> list[dict[str, Any]]:
        return [s for s in self.statuses(sha) if _state(s) in FINAL]

    def discussions(self, iid: int) -> list[dict[str, Any]]:
        return [dict(d) for d in self.gl.discussions(self.project_id, iid)]

    def positioned(self, iid: int) -> dict[tuple[str, int], dict[str, Any]]:
        """The app's positioned discussions by (new_path, new_line) of their first note."""
        found: dict[tuple[str, int], dict[str, Any]] = {}
        for discussion in self.discussions(iid):
            note = discussion["notes"][0]
            position = note.get("position")
            if position:
                key = (str(position["new_path"]), int(position["new_line"]))
                assert key not in found, f"two discussions on {key}"
                found[key] = discussion
        return found

    def wait_for(self, what: str, condition: Callable[[], bool], deadline: float = DEADLINE) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"waited {deadline:g}s for {what}\n{self.cluster.logs()}", pytrace=False)

    def wait_final(self, sha: str) -> dict[str, Any]:
        self.wait_for(f"a final status on {sha[:12]}", lambda: bool(self.final(sha)))
        return self.final(sha)[0]

    def stop(self) -> None:
        self.cluster.stop()

    def assert_no_duplicates(self, *iids: int) -> None:
        """At most one final status per head, no note body posted twice on a merge request,
        and nothing the test server found against GitLab's contract."""
        for iid in iids:
            bodies = Counter(note["body"] for d in self.discussions(iid) for note in d["notes"])
            assert [b for b, n in bodies.items() if n > 1] == []
        for sha in {str(s.get("sha")) for iid in iids for s in self._all_statuses(iid)}:
            assert len(self.final(sha)) <= 1, self.statuses(sha)
        assert self.gl.violations == []

    def _all_statuses(self, iid: int) -> list[dict[str, Any]]:
        del iid
        return [s for s in _every_status(self.gl, self.project_id) if s.get("name") == CHECK]


def _every_status(gl: GitLabApiServer, project_id: int) -> list[dict[str, Any]]:
    shas = {str(r.path.rsplit("/", 1)[-1]) for r in list(gl.requests)
            if r.method == "POST" and f"/projects/{project_id}/statuses/" in r.path}
    return [dict(s, sha=sha) for sha in shas for s in gl.statuses(project_id, sha)]


def _state(status: dict[str, Any]) -> str:
    return str(status.get("status", status.get("state", "")))


@pytest.fixture(params=["embedded", "redis"])
def world(request: pytest.FixtureRequest, github_api: GitHubApiServer, tmp_path: Path) -> Iterator[World]:
    """The project served on the GitLab test server, the GitHub App installed on the GitHub one,
    the app configured for both (workers per test)."""
    stack = ExitStack()
    gl = stack.enter_context(GitLabApiServer())
    origin = GitRepo.init(tmp_path / "origin")
    origin.write(".gitops-validator.yaml", CONFIG)
    for index in range(3):
        origin.write(f"apps/app-{index}/deploy.yaml", deployment(f"app-{index}"))
    origin.commit("base")
    project_id = gl.add_project(PROJECT, origin.root)
    github_api.add_repository(GITHUB_REPOSITORY, git_dir=origin.root)
    redis_url = ""
    if request.param == "redis":
        (tmp_path / "redis").mkdir()
        redis_url = stack.enter_context(redis_server(tmp_path / "redis")).url
    config = register_app(github_api, tmp_path, [GITHUB_REPOSITORY], redis_url=redis_url, extra={
        "GITOPS_VALIDATOR_LEASE_SECONDS": LEASE_SECONDS, "GITLAB_URL": gl.url, "GITLAB_TOKEN": gl.token,
        "GITLAB_WEBHOOK_SECRET": SECRET, "GITOPS_VALIDATOR_CHECK_NAME": CHECK,
        "GITOPS_VALIDATOR_PUBLIC_URL": PUBLIC_URL})
    cluster = AppCluster(config=config, log_dir=tmp_path / "logs")
    world = World(gl=gl, gh=github_api, origin=origin, project_id=project_id, config=config, cluster=cluster,
                  backend=request.param)
    try:
        yield world
    finally:
        cluster.stop()
        print(cluster.logs())
        stack.close()


def start(world: World, *, workers: bool = True, env: dict[str, str] | None = None) -> None:
    """The intake (``serve``) and what runs jobs: ``serve``'s threads on the embedded queue,
    two ``worker`` processes on Redis."""
    embedded_threads = "2" if workers and world.backend == "embedded" else "0"
    world.intake = world.cluster.add("serve", name=f"serve-{len(world.cluster.processes)}",
                                     env={"GITOPS_VALIDATOR_WORKERS": embedded_threads, **(env or {})})
    if workers and world.backend == "redis":
        for _ in range(2):
            world.cluster.add("worker", name=f"worker-{len(world.cluster.processes)}",
                              env={"GITOPS_VALIDATOR_WORKERS": "1", **(env or {})})


def _privileged(app: str) -> dict[str, str | None]:
    """``app``'s Deployment with a privileged container (one new finding)."""
    return {f"apps/{app}/deploy.yaml": deployment(app, privileged=True)}


def _two_findings(app: str) -> str:
    """A Deployment with two findings: a privileged container and the host's network."""
    return deployment(app, privileged=True, host_network=True)


# -- the tests ------------------------------------------------------------------------------------


def test_a_wrong_token_is_refused_and_a_redelivery_runs_once(world: World) -> None:
    start(world)
    refused = world.open_merge_request("refused", _privileged("app-0"))
    accepted = world.open_merge_request("accepted", _privileged("app-1"))
    assert world.hook(refused, token="not-the-secret")[0] == 401
    assert world.hook(refused, token=None)[0] == 401

    delivery = str(uuid.uuid4())
    assert world.hook(accepted, delivery=delivery)[0] == 202
    assert world.hook(accepted, delivery=delivery)[0] == 200  # acknowledged, not queued again
    status = world.wait_final(world.head(accepted))
    # had the redelivery been queued, its job would have run by the time a later one has
    later = world.open_merge_request("later", _privileged("app-2"))
    assert world.hook(later)[0] == 202
    world.wait_final(world.head(later))

    assert _state(status) == "failed"  # the privileged container is a new finding
    assert len(world.final(world.head(accepted))) == 1, world.statuses(world.head(accepted))
    assert world.statuses(world.head(refused)) == []
    assert world.discussions(refused) == []
    world.assert_no_duplicates(accepted, later)
    world.stop()


def test_violations_are_discussed_on_their_lines_and_a_push_resolves_one_and_adds_one(world: World) -> None:
    start(world)
    first = _two_findings("app-0")
    iid = world.open_merge_request("two-findings", {"apps/app-0/deploy.yaml": first})
    assert world.hook(iid)[0] == 202
    head = world.head(iid)
    status = world.wait_final(head)
    assert _state(status) == "failed"
    link = urlsplit(str(status.get("target_url")))
    assert f"{link.scheme}://{link.netloc}" == PUBLIC_URL
    assert link.path.startswith("/evaluations/")
    assert world.intake is not None
    # the page the status links to: finished a moment after the status (the evaluation is saved
    # finished once everything is published), then it names the findings
    world.wait_for("the details page to show the findings",
                   lambda: _page_names(world, link.path, "privileged"))
    path = "apps/app-0/deploy.yaml"
    privileged, host = (path, _line(first, "privileged: true")), (path, _line(first, "hostNetwork: true"))
    world.wait_for("the discussions", lambda: {privileged, host} <= set(world.positioned(iid)))
    discussions = world.positioned(iid)
    assert set(discussions) == {privileged, host}, discussions
    refs = world.merge_request(iid)["diff_refs"]
    for discussion in discussions.values():
        position = discussion["notes"][0]["position"]
        assert (position["base_sha"], position["head_sha"]) == (refs["base_sha"], refs["head_sha"])
        assert position["old_path"] == position["new_path"] == path
        assert not discussion["notes"][0].get("resolved")

    # the push fixes the privileged container, keeps the host network, adds a privileged app-1
    second = deployment("app-0", host_network=True)
    added = deployment("app-1", privileged=True)
    before, after = world.push(iid, "two-findings", {path: second, "apps/app-1/deploy.yaml": added})
    assert world.hook(iid, "update", oldrev=before)[0] == 202
    assert _state(world.wait_final(after)) == "failed"
    new = ("apps/app-1/deploy.yaml", _line(added, "privileged: true"))
    world.wait_for("the new finding's discussion", lambda: new in world.positioned(iid))
    now = world.positioned(iid)
    kept = (path, _line(second, "hostNetwork: true"))
    assert kept in now or host in now  # kept: the discussion of the first push stays
    assert len(now) == 3, now  # two from the first push (one resolved) and the new one
    resolved = [d for d in now.values() if d["notes"][0].get("resolved")]
    assert [d["notes"][0]["position"]["new_line"] for d in resolved] == [privileged[1]]
    assert len(resolved[0]["notes"]) >= 2  # the short reply saying it was fixed
    unresolved = [k for k, d in now.items() if not d["notes"][0].get("resolved")]
    assert sorted(unresolved) == sorted([host if host in now else kept, new])
    summaries = [d for d in world.discussions(iid) if not d["notes"][0].get("position")]
    assert len(summaries) == 1, summaries  # one summary note, edited in place
    world.assert_no_duplicates(iid)
    world.stop()


def test_a_rejected_position_falls_back_to_a_note_and_the_others_stay(world: World) -> None:
    start(world)
    text = _two_findings("app-0")
    iid = world.open_merge_request("rejected", {"apps/app-0/deploy.yaml": text})
    # GitLab's answer to a position it cannot place (a line_code it cannot compute)
    world.gl.faults.fail("POST", rf"/projects/{world.project_id}/merge_requests/{iid}/discussions$", 400,
                         times=1, body={"message": "400 Bad request - Note {:line_code=>[\"can't be blank\", "
                                                   "\"must be a valid line code\"]}"})
    assert world.hook(iid)[0] == 202
    assert _state(world.wait_final(world.head(iid))) == "failed"
    world.wait_for("one positioned discussion and the fallback note",
                   lambda: len(world.positioned(iid)) == 1 and len(_general(world, iid)) >= 2)
    general = _general(world, iid)
    rejected = [n for n in general if "privileged" in n["body"].lower() or "host" in n["body"].lower()]
    assert rejected, general  # the finding whose position was refused, as a general note
    assert any(r.status == 400 and r.method == "POST" and r.path.endswith("/discussions")
               for r in list(world.gl.requests))
    world.assert_no_duplicates(iid)
    world.stop()


def _page_names(world: World, path: str, word: str) -> bool:
    """Whether the app's page at ``path`` answers 200 and mentions ``word``."""
    assert world.intake is not None
    status, page = get(world.intake.url, path)
    return status == 200 and word in page.lower()


def _general(world: World, iid: int) -> list[dict[str, Any]]:
    """The first notes of the app's discussions without a position (summary, fallbacks)."""
    return [d["notes"][0] for d in world.discussions(iid) if not d["notes"][0].get("position")]


def test_a_rate_limited_status_still_ends_in_one_final_status(world: World) -> None:
    start(world)
    iid = world.open_merge_request("limited", _privileged("app-0"))
    limit = world.gl.faults.rate_limit("POST", rf"/projects/{world.project_id}/statuses/", times=1,
                                       retry_after=1)
    assert world.hook(iid)[0] == 202
    head = world.head(iid)
    assert _state(world.wait_final(head)) == "failed"
    assert any(r.status == 429 for r in list(world.gl.requests) if "/statuses/" in r.path), limit
    assert len(world.final(head)) == 1, world.statuses(head)
    world.assert_no_duplicates(iid)
    world.stop()


def test_a_github_and_a_gitlab_delivery_side_by_side(world: World) -> None:
    start(world)
    iid = world.open_merge_request("gitlab-side", _privileged("app-0"))
    head = world.commit_on("github-side", _privileged("app-1"),
                           "github change")
    main = world.origin.git("rev-parse", "main")
    pr = world.gh.add_pull_request(GITHUB_REPOSITORY, number=1, base_sha=main, head_sha=head,
                                   head_ref="github-side")
    event = github_events.pull_request_event("opened", GITHUB_REPOSITORY, pr, api_url=world.gh.url)
    payload = github_events.with_installation(event, INSTALLATION_ID)
    for holder in (payload["repository"], payload["pull_request"]["base"]["repo"],
                   payload["pull_request"]["head"]["repo"]):
        holder["clone_url"] = world.gh.clone_url(GITHUB_REPOSITORY)
    body = json.dumps(payload).encode()
    assert world.intake is not None
    github = post_webhook(world.intake.url, "pull_request", body, delivery=str(uuid.uuid4()),
                          signature=sign(world.config.webhook_secret, body))
    gitlab = world.hook(iid)
    assert (github[0], gitlab[0]) == (202, 202)
    assert _state(world.wait_final(world.head(iid))) == "failed"
    world.wait_for("the GitHub check run", lambda: _completed_run(world.gh, head) is not None)
    assert (_completed_run(world.gh, head) or {}).get("conclusion") == "failure"
    # each platform got only its own: no GitLab status on the GitHub head, no run on the GitLab one
    assert world.statuses(head) == []
    assert _completed_run(world.gh, world.head(iid)) is None
    world.assert_no_duplicates(iid)
    world.stop()


def test_the_reconcile_round_catches_a_lost_hook(world: World) -> None:
    """No hook is sent: the periodic round (GitHub's and GitLab's sweeps) queues the head."""
    start(world, env={"GITOPS_VALIDATOR_RECONCILE_SECONDS": "2"})
    iid = world.open_merge_request("lost", _privileged("app-0"))
    head = world.head(iid)
    assert _state(world.wait_final(head)) == "failed"
    assert len(world.final(head)) == 1, world.statuses(head)
    world.assert_no_duplicates(iid)
    world.stop()


def _completed_run(gh: GitHubApiServer, head: str) -> dict[str, Any] | None:
    with gh.state.lock:
        runs = [dict(r) for r in gh.state.check_runs.values()
                if r["head_sha"] == head and r["status"] == "completed"]
    return runs[0] if runs else None
