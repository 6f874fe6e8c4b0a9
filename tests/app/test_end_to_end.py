"""The webhook app end to end: real ``serve`` / ``worker`` processes, real signed deliveries.

Every test runs twice: on the embedded queue (``serve`` with its worker threads, or a
``worker`` process on the same SQLite data folder) and on Redis with two ``worker`` processes
(``serve`` then only takes deliveries in). GitHub is the API test server with the App
registered and installed, serving a real git repository over smart HTTP; payloads are GitHub's
own examples (``tests/support/github_events.py``) signed here with the App's webhook secret.
Waits are bounded polls of what the test server stored, never timed assertions.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.action.scenario import deployment
from tests.change.gitrepo import GitRepo
from tests.support import github_events
from tests.support.app_process import (
    APP_ID,
    INSTALLATION_ID,
    AppCluster,
    AppConfig,
    AppProcess,
    get,
    post_webhook,
    register_app,
)
from tests.support.github_api import GitHubApiServer
from tests.support.github_api.state import PullRequest
from tests.support.github_events import sign
from tests.support.redis_server import redis_server

REPOSITORY = "octo-org/gitops"
#: The repository's configuration (read from the base): the bundled policy library.
CONFIG = "settings:\n  policies: [builtin]\n"
#: Bound on waiting for a check run (a job fetches, renders, runs OPA: seconds; a lease expiry
#: after a crash adds the lease; a loaded shared machine multiplies all of it).
DEADLINE = 240.0
#: Short lease so a job of a killed worker is retried within the test (heartbeats keep a
#: live worker's lease).
LEASE_SECONDS = "8"
TERMINAL = ("completed",)
SUPERSEDED = ("cancelled", "skipped", "neutral")


@dataclass
class World:
    """A GitOps repository on the test server, the app deployed against it, and helpers."""

    gh: GitHubApiServer
    origin: GitRepo
    config: AppConfig
    cluster: AppCluster
    backend: str
    installation_id: int
    intake: AppProcess | None = None
    pulls: dict[int, PullRequest] = field(default_factory=dict)

    # -- repository ---------------------------------------------------------------------------
    def commit_on(self, branch: str, files: dict[str, str], message: str) -> str:
        """Commit ``files`` on ``branch`` (created from main) of the served repository."""
        if branch in self._branches():
            self.origin.git("checkout", "-q", branch)
        else:
            self.origin.git("checkout", "-q", "-b", branch, "main")
        for path, text in files.items():
            self.origin.write(path, text)
        sha = self.origin.commit(message)
        self.origin.git("checkout", "-q", "main")
        return sha

    def _branches(self) -> list[str]:
        return self.origin.git("branch", "--format=%(refname:short)").split()

    def open_pull(self, number: int, *, draft: bool = False) -> PullRequest:
        """A pull request whose head makes one app's container privileged (a new finding)."""
        app = f"app-{number % 4}"
        head = self.commit_on(f"feature-{number}", {
            f"apps/{app}/deploy.yaml": deployment(app, privileged=True).replace(
                "replicas: 2", f"replicas: {number + 2}")}, f"change {number}")
        pr = self.gh.add_pull_request(REPOSITORY, number=number, base_sha=self.main_sha(), head_sha=head,
                                      head_ref=f"feature-{number}", draft=draft)
        self.pulls[number] = pr
        return pr

    def push(self, number: int, marker: int) -> str:
        """Another commit on the pull request's branch; the server's pull request follows it."""
        pr = self.pulls[number]
        app = f"app-{number % 4}"
        head = self.commit_on(pr.head_ref, {
            f"apps/{app}/deploy.yaml": deployment(app, privileged=True).replace(
                "replicas: 2", f"replicas: {number + 2 + marker}")}, f"push {number}.{marker}")
        self.gh.update_pull_request(REPOSITORY, number, head_sha=head)
        return head

    def main_sha(self) -> str:
        return self.origin.git("rev-parse", "main")

    # -- deliveries ---------------------------------------------------------------------------
    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload as GitHub would send it for this server: the App's installation and the
        repository's clone URL (git over HTTP on the test server)."""
        payload = github_events.with_installation(payload, self.installation_id)
        clone = clone_url(self.gh)
        for holder in _repositories(payload):
            holder["clone_url"] = clone
        return payload

    def deliver(self, event: str, payload: dict[str, Any], *, delivery: str | None = None,
                signature: str | None = "valid") -> tuple[int, str, str]:
        """POST one delivery to the intake; (status, text, delivery id)."""
        assert self.intake is not None
        body = json.dumps(self.payload(payload)).encode()
        delivery = delivery or str(uuid.uuid4())
        header = {"valid": sign(self.config.webhook_secret, body),
                  "bad": sign("not-the-secret", body), None: None}[signature]
        status, text = post_webhook(self.intake.url, event, body, delivery=delivery, signature=header)
        return status, text, delivery

    def check_suite(self, action: str, number: int) -> dict[str, Any]:
        pr = self.pulls[number]
        return github_events.check_suite_event(action, REPOSITORY, head_sha=pr.head_sha, head_ref=pr.head_ref,
                                               pulls=[pr], app_id=APP_ID, installation_id=INSTALLATION_ID,
                                               api_url=self.gh.url)

    def pull_request(self, action: str, number: int, *, before: str | None = None,
                     delivery: str | None = None, signature: str | None = "valid") -> tuple[int, str, str]:
        pr = self.pulls[number]
        payload = github_events.pull_request_event(action, REPOSITORY, pr, before=before, api_url=self.gh.url,
                                                   draft=pr.draft)
        return self.deliver("pull_request", payload, delivery=delivery, signature=signature)

    # -- what GitHub shows ----------------------------------------------------------------------
    def runs(self, head_sha: str) -> list[dict[str, Any]]:
        """The check runs on ``head_sha`` (copies, read under the server's lock)."""
        with self.gh.state.lock:
            return [dict(run) for run in self.gh.state.check_runs.values()
                    if run["head_sha"] == head_sha]

    def completed(self, head_sha: str) -> list[dict[str, Any]]:
        return [run for run in self.runs(head_sha) if run["status"] in TERMINAL]

    def wait_for(self, what: str, condition: Callable[[], bool], deadline: float = DEADLINE) -> None:
        """Poll ``condition`` until true; fail with the app's logs when the deadline passes or a
        process of the app died unexpectedly."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"waited {deadline:g}s for {what}\n{self.cluster.logs()}", pytrace=False)

    def wait_completed(self, head_sha: str) -> dict[str, Any]:
        self.wait_for(f"a completed check run on {head_sha[:12]}", lambda: bool(self.completed(head_sha)))
        return self.completed(head_sha)[0]

    def delivery_count(self, outcome: str) -> float:
        """``gitops_validator_deliveries_total`` of ``pull_request`` deliveries with ``outcome``,
        as the intake's ``/metrics`` says."""
        assert self.intake is not None
        status, text = get(self.intake.url, "/metrics")
        assert status == 200
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if (sample.name == "gitops_validator_deliveries_total"
                        and sample.labels == {"event": "pull_request", "outcome": outcome}):
                    return sample.value
        return 0.0

    def stop(self) -> None:
        """Stop the app's processes (SIGTERM): the end of every test body, which must leave no
        process of its own running (tests/conftest.py); the fixture stops them after a failure."""
        self.cluster.stop()

    def assert_no_duplicates(self) -> None:
        """At most one completed check run per evaluation (head, name and ``external_id``: a
        re-run asked for by GitHub is a new evaluation), no comment posted twice."""
        with self.gh.state.lock:
            runs = Counter((r["head_sha"], r["name"], r.get("external_id"))
                           for r in self.gh.state.check_runs.values()
                           if r["status"] == "completed" and r.get("conclusion") not in SUPERSEDED)
            reviews = Counter((c["pull_request_url"], c["path"], c.get("line"), c["body"])
                              for c in self.gh.state.review_comments.values())
            issues = Counter((c["issue_url"], c["body"]) for c in self.gh.state.issue_comments.values())
        assert [k for k, n in runs.items() if n > 1] == []
        assert [k for k, n in reviews.items() if n > 1] == []
        assert [k for k, n in issues.items() if n > 1] == []


def clone_url(gh: GitHubApiServer) -> str:
    """Where the test server serves the repository over git smart HTTP."""
    return gh.clone_url(REPOSITORY)


def _repositories(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every repository object of a payload (top level, a pull request's base and head)."""
    if isinstance(payload.get("repository"), dict):
        yield payload["repository"]
    pull = payload.get("pull_request")
    if isinstance(pull, dict):
        for side in ("base", "head"):
            repo = pull.get(side, {}).get("repo")
            if isinstance(repo, dict):
                yield repo


@pytest.fixture(params=["embedded", "redis"])
def world(request: pytest.FixtureRequest, github_api: GitHubApiServer, tmp_path: Path) -> Iterator[World]:
    """The repository served, the App installed, the app's intake running (workers per test)."""
    origin = GitRepo.init(tmp_path / "origin")
    origin.write(".gitops-validator.yaml", CONFIG)
    for index in range(4):
        origin.write(f"apps/app-{index}/deploy.yaml", deployment(f"app-{index}"))
    origin.commit("base")
    github_api.add_repository(REPOSITORY, git_dir=origin.root)
    stack = ExitStack()
    redis_url = ""
    if request.param == "redis":
        (tmp_path / "redis").mkdir()
        redis_url = stack.enter_context(redis_server(tmp_path / "redis")).url
    config = register_app(github_api, tmp_path, [REPOSITORY], redis_url=redis_url,
                          extra={"GITOPS_VALIDATOR_LEASE_SECONDS": LEASE_SECONDS})
    cluster = AppCluster(config=config, log_dir=tmp_path / "logs")
    world = World(gh=github_api, origin=origin, config=config, cluster=cluster, backend=request.param,
                  installation_id=INSTALLATION_ID)
    try:
        yield world
    finally:
        cluster.stop()
        print(cluster.logs())  # shown by pytest when the test failed
        stack.close()


def start(world: World, *, workers: bool = True) -> None:
    """The intake (``serve``) and, with ``workers``, what runs jobs: ``serve``'s own worker
    threads on the embedded queue, two ``worker`` processes on Redis."""
    embedded_threads = "2" if workers and world.backend == "embedded" else "0"
    world.intake = world.cluster.add("serve", name=f"serve-{len(world.cluster.processes)}",
                                     env={"GITOPS_VALIDATOR_WORKERS": embedded_threads})
    if workers and world.backend == "redis":
        start_workers(world, 2)


def start_workers(world: World, count: int) -> list[AppProcess]:
    """``count`` ``worker`` processes (one thread each)."""
    return [world.cluster.add("worker", name=f"worker-{len(world.cluster.processes)}",
                              env={"GITOPS_VALIDATOR_WORKERS": "1"})
            for _ in range(count)]


# -- the tests ------------------------------------------------------------------------------------


def test_bad_or_missing_signature_is_refused_and_a_redelivery_runs_once(world: World) -> None:
    start(world)
    refused = world.open_pull(1)
    accepted = world.open_pull(2)
    assert world.pull_request("opened", 1, signature=None)[0] == 401
    assert world.pull_request("opened", 1, signature="bad")[0] == 401

    status, _, delivery = world.pull_request("opened", 2)
    assert status == 202
    again, _, _ = world.pull_request("opened", 2, delivery=delivery)
    assert again == 200  # acknowledged, not queued again
    run = world.wait_completed(accepted.head_sha)
    # the redelivery's job (had it been queued) would have run by the time a second, later
    # event on another head has: deliver one and wait for it.
    world.open_pull(3)
    world.pull_request("opened", 3)
    world.wait_completed(world.pulls[3].head_sha)

    assert len(world.runs(accepted.head_sha)) == 1, world.runs(accepted.head_sha)
    assert run["conclusion"] == "failure"  # the privileged container is a new finding
    assert world.runs(refused.head_sha) == []
    assert world.delivery_count("bad_signature") == 2
    assert world.delivery_count("duplicate") == 1
    world.assert_no_duplicates()
    world.stop()


def test_every_event_type(world: World) -> None:
    start(world)
    for number in (1, 2, 3):
        world.open_pull(number)
    draft = world.open_pull(4, draft=True)

    assert world.deliver("ping", _ping())[0] in (200, 202)
    assert world.pull_request("opened", 1)[0] == 202
    assert world.pull_request("reopened", 2)[0] == 202
    assert world.pull_request("opened", 4)[0] in (200, 202)  # a draft: skipped by default
    world.wait_completed(world.pulls[1].head_sha)
    world.wait_completed(world.pulls[2].head_sha)

    before = world.pulls[1].head_sha
    head = world.push(1, 1)
    assert world.pull_request("synchronize", 1, before=before)[0] == 202
    latest = world.wait_completed(head)

    # a check suite asked for by GitHub (a push with no pull request event), and re-asked
    assert world.deliver("check_suite", world.check_suite("requested", 3))[0] == 202
    world.wait_completed(world.pulls[3].head_sha)
    calls = len(world.gh.requests)
    assert world.deliver("check_suite", world.check_suite("rerequested", 3))[0] == 202
    world.wait_for("the re-requested suite's check run", _writes_since(world, calls, 2))

    # the Re-run of one check run, and its button
    for action in ("rerequested", "requested_action"):
        calls = len(world.gh.requests)
        payload = github_events.check_run_event(
            action, REPOSITORY, head_sha=latest["head_sha"], name=latest["name"], pulls=[world.pulls[1]],
            app_id=APP_ID, installation_id=INSTALLATION_ID, api_url=world.gh.url)
        payload["check_run"]["id"] = latest["id"]
        assert world.deliver("check_run", payload)[0] == 202
        world.wait_for(f"check_run.{action}'s run", _writes_since(world, calls, 2))

    # a merge queue's group: base main, head a merge of pull request 2 onto it
    group_head = world.commit_on("gh-readonly-queue/main/pr-2", {
        "apps/app-2/deploy.yaml": deployment("app-2", privileged=True)}, "Merge pull request #2")
    group = github_events.merge_group_event(REPOSITORY, head_sha=group_head, base_sha=world.main_sha(),
                                            pull_number=2, api_url=world.gh.url)
    assert world.deliver("merge_group", group)[0] == 202
    world.wait_completed(group_head)

    # installation events are logged, nothing runs
    calls = len(world.gh.requests)
    for event, payload in (("installation", github_events.installation_event(
                                "created", installation_id=INSTALLATION_ID, app_id=APP_ID)),
                           ("installation_repositories", github_events.installation_repositories_event(
                                "added", [REPOSITORY], installation_id=INSTALLATION_ID, app_id=APP_ID))):
        assert world.deliver(event, payload)[0] in (200, 202)

    # the draft was not evaluated; ready for review runs it
    assert world.runs(draft.head_sha) == []
    draft.draft = False
    assert world.pull_request("ready_for_review", 4)[0] == 202
    world.wait_completed(draft.head_sha)
    assert _check_run_writes(world, calls) >= 2  # only the ready pull request's
    world.assert_no_duplicates()
    world.stop()


def test_a_newer_push_supersedes_the_older_head(world: World) -> None:
    start(world)
    world.open_pull(1)
    first = world.pulls[1].head_sha
    # the older head's check run is slow to create: its job is surely still running when the
    # newer push arrives (without this the race decides whether there is anything to cancel)
    world.gh.faults.add(method="POST", path=r"/check-runs$", status=None, delay=3.0, times=1,
                        match_body=lambda body: isinstance(body, dict) and body.get("head_sha") == first)
    assert world.pull_request("opened", 1)[0] == 202
    second = world.push(1, 1)
    assert world.pull_request("synchronize", 1, before=first)[0] == 202
    newest = world.wait_completed(second)
    assert newest["conclusion"] == "failure"
    world.wait_for("the older head's run to end",
                   lambda: all(r["status"] == "completed" for r in world.runs(first)))
    assert [r["conclusion"] for r in world.runs(first)] in ([], ["cancelled"], ["skipped"]), world.runs(first)
    world.assert_no_duplicates()
    world.stop()


def test_a_job_whose_worker_dies_is_retried_and_completes_once(world: World) -> None:
    start(world, workers=False)
    workers = start_workers(world, 1 if world.backend == "embedded" else 2)
    world.open_pull(1)
    head = world.pulls[1].head_sha
    # the worker's first attempt hangs on creating the check run (and fails, unapplied, if it
    # ever returns): it is killed there, mid-job.
    hang = world.gh.faults.add(method="POST", path=r"/check-runs$", status=500, delay=600.0, times=1)
    assert world.pull_request("opened", 1)[0] == 202
    world.wait_for("the first attempt to reach GitHub", lambda: hang.fired >= 1)
    for worker in workers:
        worker.kill()
    start_workers(world, len(workers))
    run = world.wait_completed(head)
    assert run["conclusion"] == "failure"
    assert len(world.runs(head)) == 1, world.runs(head)
    world.assert_no_duplicates()
    world.stop()


def test_queued_jobs_survive_a_restart_of_the_app(world: World) -> None:
    start(world, workers=False)  # intake only: everything stays queued
    numbers = range(1, 6)
    for number in numbers:
        world.open_pull(number)
        assert world.pull_request("opened", number)[0] == 202
    assert world.intake is not None
    world.intake.stop()
    assert all(world.runs(world.pulls[n].head_sha) == [] for n in numbers)

    start(world)  # a new intake on the same data (or Redis), with workers
    for number in numbers:
        world.wait_completed(world.pulls[number].head_sha)
    assert all(len(world.runs(world.pulls[n].head_sha)) == 1 for n in numbers)
    world.assert_no_duplicates()
    world.stop()


def _check_run_writes(world: World, since: int) -> int:
    """POST / PATCH requests to check runs answered after request number ``since``."""
    return sum(1 for r in world.gh.requests[since:]
               if r.method in ("POST", "PATCH") and "check-runs" in r.path and r.status < 300)


def _writes_since(world: World, since: int, count: int) -> Callable[[], bool]:
    """A wait condition: ``count`` check-run writes answered after request number ``since``."""
    return lambda: _check_run_writes(world, since) >= count


def _ping() -> dict[str, Any]:
    return github_events.ping_event(app_id=APP_ID)
