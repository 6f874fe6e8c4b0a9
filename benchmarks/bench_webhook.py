"""The webhook app under a burst of deliveries, with workers killed: intake rate, latency, no loss.

Run: ``python -m benchmarks.bench_webhook [--deliveries 10000] [--backend embedded|redis]
[--workers 2] [--senders 8] [--light 20] [--gitlab-share 0.3]``.

Set-up (not measured): a git repository of 40 plain apps served over git smart HTTP by the
GitHub API test server, the App registered and installed on it, and one pull request per
unique delivery, each a distinct (pull request, head): a one-file change (a privileged
container: one new finding and one review comment). The app runs as ``gitops-validator
serve`` (intake only) and ``--workers`` ``gitops-validator worker`` processes on the chosen
queue (the SQLite file of the data folder, or a Redis started on a loopback port).

The burst: ``--deliveries`` ``pull_request.opened`` deliveries, 10% of them a duplicate (the
same ``X-GitHub-Delivery`` and body sent again, after the first), 5% signed with a wrong secret
(for pull requests nothing else delivers), sent by ``--senders`` threads of a separate process
as fast as the intake answers (a closed loop: the highest rate it sustains). Every worker
process is SIGKILLed at one third and at two thirds of the burst and restarted at once.

GitLab deliveries are mixed in (``--gitlab-share`` of the pull requests, 0 for GitHub only):
the same repository is also a project on the GitLab API test server with one merge request
per such number, the app is configured for both platforms, and their deliveries are
``Merge Request Hook`` (``open``) bodies sent to ``/webhooks/gitlab`` with ``X-Gitlab-Token``
and ``X-Gitlab-Event-UUID`` (a duplicate resends both; a bad one carries a wrong token).

Then, with a bounded wait: every unique valid delivery's head has exactly one check run,
completed (GitLab: exactly one final commit status); no bad-signature (bad-token) pull or
merge request has any; no review or issue comment (GitLab: discussion note) is duplicated.
Printed: intake rate and p50/p99 intake latency (as the sender saw it); delivery to completed
check run p50/p99 over the burst (the backlog dominates: it is queueing time), and over
``--light`` deliveries sent one at a time to the idle app afterwards (a one-file change alone).
Completion times are the arrival at the test server of the request that completed the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.action.scenario import deployment
from tests.change.gitrepo import GIT_TEST_ENV, GitRepo
from tests.support import github_events
from tests.support.app_process import INSTALLATION_ID, AppCluster, AppProcess, register_app
from tests.support.github_api import GitHubApiServer
from tests.support.github_events import sign
from tests.support.gitlab_api import GitLabApiServer
from tests.support.gitlab_events import merge_request_event
from tests.support.redis_server import redis_server
from validator.process import Command, run

REPOSITORY = "octo-org/gitops"
PROJECT = "platform/gitops"
"""The same repository as a GitLab project."""
GITLAB_SECRET = "bench-gitlab-secret"  # noqa: S105 - the bench's own hook secret
CHECK = "gitops-validator"
FINAL = frozenset({"success", "failed"})
INSTALLATION_NODE = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="
APPS = 40
PULL_ID = 10_000_000
ONE_THREAD = {"GITOPS_VALIDATOR_WORKERS": "1"}
DEADLINE_PER_JOB = 20.0
"""Seconds of wait budget per expected job (bounded: the run fails rather than hangs)."""


@dataclass(frozen=True)
class Delivery:
    """One POST of the burst."""

    number: int
    delivery: str
    kind: str
    """``unique``, ``duplicate`` (resend of a unique one) or ``bad`` (wrong secret)."""
    platform: str = "github"
    """``github`` (a ``pull_request`` delivery) or ``gitlab`` (a ``Merge Request Hook``)."""


@dataclass(frozen=True)
class Sent:
    """What the sender saw of one delivery."""

    index: int
    started: float
    """``time.monotonic()`` when the request was sent (same clock as the test server's)."""
    latency: float
    status: int


# -- set-up ---------------------------------------------------------------------------------------


def _repository(tmp: Path, pulls: int) -> tuple[GitRepo, str, dict[int, str]]:
    """The served repository: main with ``APPS`` apps, one branch per pull request changing one
    app's file; built with ``git fast-import`` (one process for every commit)."""
    origin = GitRepo.init(tmp / "origin")
    origin.write(".gitops-validator.yaml", "settings:\n  policies: [builtin]\n")
    for index in range(APPS):
        origin.write(f"apps/app-{index:02d}/deploy.yaml", deployment(f"app-{index:02d}"))
    main = origin.commit("base")
    stream: list[bytes] = []
    for number in range(1, pulls + 1):
        app = f"app-{number % APPS:02d}"
        text = deployment(app, privileged=True).replace("replicas: 2", f"replicas: {number + 2}").encode()
        message = f"change {number}".encode()
        stream += [f"commit refs/heads/pr-{number}\nmark :{number}\n".encode(),
                   b"committer Test <test@example.invalid> 1767225600 +0000\n",
                   b"data %d\n%s\n" % (len(message), message),
                   f"from {main}\nM 100644 inline apps/{app}/deploy.yaml\n".encode(),
                   b"data %d\n%s\n" % (len(text), text)]
    marks = tmp / "marks"
    run(Command(args=("git", "fast-import", "--quiet", f"--export-marks={marks}"), cwd=origin.root,
                env=GIT_TEST_ENV, stdin=b"".join(stream), timeout=600))
    heads = {int(mark.lstrip(":")): sha for mark, sha in
             (line.split() for line in marks.read_text().splitlines())}
    return origin, main, heads


def _pull_requests(gh: GitHubApiServer, main: str, heads: dict[int, str]) -> None:
    def add(number: int) -> None:
        gh.add_pull_request(REPOSITORY, number=number, base_sha=main, head_sha=heads[number],
                            head_ref=f"pr-{number}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(add, heads))


def _merge_requests(gl: GitLabApiServer, project_id: int, numbers: Sequence[int]) -> dict[int, int]:
    """One merge request of branch ``pr-N`` into main per number; number -> iid."""
    def add(number: int) -> tuple[int, int]:
        return number, gl.add_merge_request(project_id, source_branch=f"pr-{number}", target_branch="main",
                                            title=f"change {number}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(add, numbers))


def _platform(number: int, gitlab_share: float) -> str:
    """Which platform pull request ``number`` lives on: a fixed, spread share on GitLab (number
    1, the payload template's, always on GitHub)."""
    if number == 1 or gitlab_share <= 0:
        return "github"
    return "gitlab" if (number * 0.6180339887) % 1.0 < gitlab_share else "github"


def _plan(deliveries: int, seed: int,
          gitlab_share: float = 0.0) -> tuple[list[Delivery], list[int], list[int]]:
    """The burst in order, the unique pull requests and the bad-signature ones."""
    rng = random.Random(seed)
    bad = deliveries * 5 // 100
    duplicates = deliveries // 10
    unique = deliveries - bad - duplicates
    firsts = [Delivery(n, str(uuid.UUID(int=rng.getrandbits(128))), "unique", _platform(n, gitlab_share))
              for n in range(1, unique + 1)]
    bads = [Delivery(unique + i, str(uuid.UUID(int=rng.getrandbits(128))), "bad",
                     _platform(unique + i, gitlab_share)) for i in range(1, bad + 1)]
    order: list[tuple[float, Delivery]] = [(float(i), d) for i, d in
                                           enumerate(rng.sample(firsts + bads, len(firsts) + len(bads)))]
    position = {d.number: key for key, d in order}
    total = float(len(order))
    originals = rng.sample(firsts, duplicates) if duplicates <= unique else rng.choices(firsts, k=duplicates)
    for original in originals:
        order.append((rng.uniform(position[original.number] + 0.5, total),
                      Delivery(original.number, original.delivery, "duplicate", original.platform)))
    order.sort(key=lambda item: item[0])
    return [d for _, d in order], [d.number for d in firsts], [d.number for d in bads]


class Bodies:
    """``pull_request.opened`` bodies for pull request N: GitHub's example, built once with
    placeholders and filled per pull request (numbers, refs, SHAs) by string replacement, so the
    sender spends microseconds, not a deep copy and a JSON encoding, per delivery."""

    def __init__(self, gh: GitHubApiServer, clone_url: str, main: str, heads: dict[int, str]) -> None:
        first = gh.state.pull_requests[(REPOSITORY, 1)]
        payload = github_events.pull_request_event("opened", REPOSITORY, first, api_url=gh.url)
        payload["installation"] = {"id": INSTALLATION_ID, "node_id": INSTALLATION_NODE}
        pull = payload["pull_request"]
        for repo in (payload["repository"], pull["base"]["repo"], pull["head"]["repo"]):
            repo["clone_url"] = clone_url
        payload["number"] = pull["number"] = "@@NUMBER@@"
        pull["id"] = "@@ID@@"
        pull["head"].update(ref="@@REF@@", sha="@@SHA@@", label="octo-org:@@REF@@")
        pull["base"]["sha"] = main
        self.template = json.dumps(payload)
        self.heads = heads

    def body(self, number: int) -> bytes:
        text = self.template.replace('"@@NUMBER@@"', str(number)).replace('"@@ID@@"', str(PULL_ID + number))
        return text.replace("@@REF@@", f"pr-{number}").replace("@@SHA@@", self.heads[number]).encode()


class GitLabBodies:
    """``Merge Request Hook`` (``open``) bodies for the merge request of pull request N: GitLab's
    example filled by :func:`tests.support.gitlab_events.merge_request_event` for one merge
    request, then by string replacement per merge request (iid, id, branch, head)."""

    def __init__(self, gl: GitLabApiServer, project_id: int, iids: dict[int, int],
                 heads: dict[int, str]) -> None:
        first = min(iids)
        payload = merge_request_event(gl, project_id, iids[first], action="open")
        attributes = payload["object_attributes"]
        attributes["iid"], attributes["id"] = "@@IID@@", "@@ID@@"
        attributes["source_branch"] = "@@REF@@"
        attributes["last_commit"]["id"] = "@@SHA@@"
        self.template = json.dumps(payload)
        self.iids = iids
        self.heads = heads

    def body(self, number: int) -> bytes:
        # --intake-only creates one merge request (the template's): the others' iids are
        # made up, as no job reads them
        text = self.template.replace('"@@IID@@"', str(self.iids.get(number, PULL_ID + number)))
        text = text.replace('"@@ID@@"', str(PULL_ID + number))
        return text.replace("@@REF@@", f"pr-{number}").replace("@@SHA@@", self.heads[number]).encode()


def _request(item: Delivery, bodies: Bodies, gitlab_bodies: GitLabBodies | None,
             secret: str) -> tuple[str, bytes, dict[str, str]]:
    """Path, body and headers of one delivery, as GitHub or GitLab sends it."""
    if item.platform == "gitlab":
        assert gitlab_bodies is not None
        return "/webhooks/gitlab", gitlab_bodies.body(item.number), {
            "Content-Type": "application/json", "X-Gitlab-Event": "Merge Request Hook",
            "X-Gitlab-Token": "wrong-token" if item.kind == "bad" else GITLAB_SECRET,
            "X-Gitlab-Event-UUID": item.delivery, "User-Agent": "GitLab/bench"}
    body = bodies.body(item.number)
    signature = sign("wrong-secret" if item.kind == "bad" else secret, body)
    return "/webhooks/github", body, {
        "Content-Type": "application/json", "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": item.delivery, "X-Hub-Signature-256": signature,
        "User-Agent": "GitHub-Hookshot/bench"}


# -- the burst (a separate process: its threads do not share the GIL with the test server) -------


def _send(url: str, secret: str, bodies: Bodies, gitlab_bodies: GitLabBodies | None,
          plan: Sequence[Delivery], *, senders: int, progress: Any, out: Path) -> None:
    host, _, port = url.removeprefix("http://").partition(":")
    cursor = iter(range(len(plan)))
    lock = threading.Lock()
    results: list[Sent] = []

    def sender() -> None:
        conn: http.client.HTTPConnection | None = None
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            path, body, headers = _request(plan[index], bodies, gitlab_bodies, secret)
            for attempt in range(2):  # a keep-alive connection the server closed: once more
                conn = conn or http.client.HTTPConnection(host, int(port), timeout=60)
                started = time.monotonic()
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    answer = conn.getresponse()
                    answer.read()
                except (http.client.HTTPException, OSError):
                    conn.close()
                    conn = None
                    if attempt:
                        raise
                    continue
                latency = time.monotonic() - started
                if answer.getheader("Connection", "").lower() == "close" or answer.version == 10:
                    conn.close()
                    conn = None
                break
            with lock:
                results.append(Sent(index, started, latency, answer.status))
                progress.value = len(results)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.write_text(json.dumps([[s.index, s.started, s.latency, s.status] for s in results]))


# -- measuring --------------------------------------------------------------------------------------


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _completions(gh: GitHubApiServer) -> dict[str, float]:
    """Head SHA -> arrival time of the first request that completed a check run on it."""
    run_heads: dict[int, str] = {}
    with gh.state.lock:
        for run_id, run_json in gh.state.check_runs.items():
            run_heads[run_id] = run_json["head_sha"]
    done: dict[str, float] = {}
    for request in list(gh.requests):
        if request.status >= 300 or "check-runs" not in request.path or not isinstance(request.body, dict):
            continue
        if request.body.get("status") != "completed" and "conclusion" not in request.body:
            continue
        head = request.body.get("head_sha")
        if head is None and request.method == "PATCH":
            last = request.path.rstrip("/").rsplit("/", 1)[-1]
            head = run_heads.get(int(last)) if last.isdigit() else None
        if head is not None and head not in done:
            done[head] = request.at
    return done


def _completed_heads(gh: GitHubApiServer) -> Counter[str]:
    with gh.state.lock:
        return Counter(r["head_sha"] for r in gh.state.check_runs.values() if r["status"] == "completed")


@dataclass(frozen=True)
class GitLabSide:
    """The GitLab half of the bench: the test server, the project, number -> merge request iid."""

    gl: GitLabApiServer
    project_id: int
    iids: dict[int, int]

    def completions(self) -> dict[str, float]:
        """Head SHA -> arrival time of the first accepted request that set a final status of
        the app's name on it (``POST /projects/:id/statuses/:sha``)."""
        done: dict[str, float] = {}
        for request in list(self.gl.requests):
            body = request.body if isinstance(request.body, dict) else {}
            if (request.method == "POST" and request.status < 300 and "/statuses/" in request.path
                    and body.get("state") in FINAL and body.get("name", CHECK) == CHECK):
                done.setdefault(request.path.rstrip("/").rsplit("/", 1)[-1], request.at)
        return done

    def final_statuses(self, sha: str) -> int:
        return sum(1 for s in self.gl.statuses(self.project_id, sha)
                   if s.get("name") == CHECK and s.get("status", s.get("state")) in FINAL)


def _done_heads(gh: GitHubApiServer, gitlab: GitLabSide | None) -> set[str]:
    return set(_completed_heads(gh)) | (set(gitlab.completions()) if gitlab is not None else set())


def _wait_all(gh: GitHubApiServer, heads: Sequence[str], deadline: float, cluster: AppCluster,
              gitlab: GitLabSide | None = None) -> None:
    end = time.monotonic() + deadline
    wanted = set(heads)
    last = -1
    while time.monotonic() < end:
        done = wanted & _done_heads(gh, gitlab)
        if len(done) == len(wanted):
            return
        if len(done) != last:
            print(f"  completed {len(done)}/{len(wanted)}", flush=True)
            last = len(done)
        time.sleep(1.0)
    raise SystemExit(f"only {len(wanted & _done_heads(gh, gitlab))}/{len(wanted)} check runs (statuses) "
                     f"completed within {deadline:.0f}s\n{cluster.logs()[-20000:]}")


@contextmanager
def _queue(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "embedded":
        yield ""
        return
    (tmp / "redis").mkdir()
    with redis_server(tmp / "redis") as server:
        yield server.url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--backend", choices=("embedded", "redis"), default="embedded")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one thread each)")
    parser.add_argument("--senders", type=int, default=8, help="concurrent sending threads")
    parser.add_argument("--light", type=int, default=20, help="deliveries sent one at a time afterwards")
    parser.add_argument("--intake", choices=("serve", "gunicorn"), default="serve",
                        help="serve (Werkzeug: `gitops-validator serve`) or gunicorn (2 x 4 threads)")
    parser.add_argument("--intake-only", action="store_true",
                        help="no workers: measure intake and its answers only (nothing is run or verified "
                             "beyond the answers)")
    parser.add_argument("--gitlab-share", type=float, default=0.3,
                        help="share of the pull requests that are GitLab merge requests (0: GitHub only)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    try:
        with ExitStack() as stack:
            return _bench(args, tmp, stack)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path, stack: ExitStack) -> int:
    plan, unique, bad = _plan(args.deliveries, args.seed, args.gitlab_share)
    light = list(range(len(unique) + len(bad) + 1, len(unique) + len(bad) + 1 + args.light))
    on_gitlab = sorted({d.number for d in plan if d.platform == "gitlab"})
    print(f"{args.deliveries} deliveries: {len(unique)} unique, {args.deliveries - len(unique) - len(bad)} "
          f"duplicates, {len(bad)} bad signatures; {sum(d.platform == 'gitlab' for d in plan)} GitLab "
          f"({len(on_gitlab)} merge requests); backend {args.backend}, {args.workers} worker processes, "
          f"{args.senders} senders", flush=True)
    started = time.monotonic()
    origin, main, heads = _repository(tmp, len(unique) + len(bad) + len(light))
    gh = stack.enter_context(GitHubApiServer())
    gh.add_repository(REPOSITORY, git_dir=origin.root)
    # intake only: no job runs, so only the payload templates' pull and merge requests are needed
    github_heads = {n: sha for n, sha in heads.items() if n not in set(on_gitlab)}
    _pull_requests(gh, main, {1: heads[1]} if args.intake_only else github_heads)
    gitlab = None
    extra = {"GITOPS_VALIDATOR_LEASE_SECONDS": "10"}
    if on_gitlab:
        gl = stack.enter_context(GitLabApiServer())
        project_id = gl.add_project(PROJECT, origin.root)
        gitlab = GitLabSide(gl, project_id, _merge_requests(gl, project_id,
                                                            on_gitlab[:1] if args.intake_only else on_gitlab))
        extra |= {"GITLAB_URL": gl.url, "GITLAB_TOKEN": gl.token, "GITLAB_WEBHOOK_SECRET": GITLAB_SECRET,
                  "GITOPS_VALIDATOR_CHECK_NAME": CHECK}
    redis_url = stack.enter_context(_queue(args.backend, tmp))
    config = register_app(gh, tmp, [REPOSITORY], redis_url=redis_url, extra=extra)
    cluster = AppCluster(config=config, log_dir=tmp / "logs")
    stack.callback(cluster.stop)
    intake = cluster.add(args.intake, env={"GITOPS_VALIDATOR_WORKERS": "0"})
    workers = [] if args.intake_only else [cluster.add("worker", name=f"worker-{i}", env=ONE_THREAD)
                                           for i in range(args.workers)]
    bodies = Bodies(gh, gh.clone_url(REPOSITORY), main, heads)
    gitlab_bodies = None if gitlab is None else GitLabBodies(gitlab.gl, gitlab.project_id, gitlab.iids, heads)
    print(f"set-up {time.monotonic() - started:.0f}s", flush=True)

    sent, burst_start, burst = _burst(args, cluster, intake, workers, bodies=bodies,
                                      gitlab_bodies=gitlab_bodies, plan=plan)
    statuses = Counter((plan[s.index].kind, s.status) for s in sent)
    print(f"answers: {dict(sorted(statuses.items()))}", flush=True)
    if args.intake_only:
        return _report_intake(sent, burst, plan)

    unique_heads = [heads[n] for n in unique]
    _wait_all(gh, unique_heads, DEADLINE_PER_JOB * len(unique) / max(args.workers, 1) + 120, cluster, gitlab)
    # whatever else is still queued would show up now: let the queue drain once more
    time.sleep(2.0)

    failures = _verify(gh, plan, unique, bad, heads=heads, sent=sent, gitlab=gitlab)
    first_sent = {plan[s.index].number: s.started for s in sent if plan[s.index].kind == "unique"}
    completions = {**_completions(gh), **(gitlab.completions() if gitlab is not None else {})}
    burst_e2e = [completions[heads[n]] - first_sent[n] for n in unique if heads[n] in completions]

    light_e2e = _light(gh, cluster, intake, bodies, heads=[heads[n] for n in light], numbers=light)

    _report_intake(sent, burst, plan)
    print(f"delivery to completed check run, burst ({len(burst_e2e)} runs, backlog included): "
          f"p50 {_percentile(burst_e2e, .5):.2f}s, p99 {_percentile(burst_e2e, .99):.2f}s")
    if gitlab is not None:
        gitlab_e2e = [completions[heads[n]] - first_sent[n] for n in unique
                      if n in gitlab.iids and heads[n] in completions]
        print(f"  of which GitLab ({len(gitlab_e2e)} final statuses): "
              f"p50 {_percentile(gitlab_e2e, .5):.2f}s, p99 {_percentile(gitlab_e2e, .99):.2f}s")
    if light_e2e:
        print(f"delivery to completed check run, idle app ({len(light_e2e)} one-file changes one at a time): "
              f"p50 {_percentile(light_e2e, .5):.2f}s, p99 {_percentile(light_e2e, .99):.2f}s")
    print(f"jobs completed per second over the burst's drain: "
          f"{len(burst_e2e) / max(max(completions.values()) - burst_start, 1e-9):.1f}")
    for failure in failures:
        print(f"FAILED: {failure}")
    print("verified: every unique delivery has one completed check run (GitLab: one final status), "
          "no bad-signature (bad-token) run or status, no duplicate comment or discussion"
          if not failures else f"{len(failures)} verification failure(s)")
    return 1 if failures else 0


def _burst(args: argparse.Namespace, cluster: AppCluster, intake: AppProcess, workers: list[AppProcess],
           *, bodies: Bodies, gitlab_bodies: GitLabBodies | None,
           plan: Sequence[Delivery]) -> tuple[list[Sent], float, float]:
    """Send the burst from a forked process (its threads do not share this process's GIL with the
    test server), SIGKILL every worker at a third and two thirds of it and start new ones; what
    was sent, when the burst started and how long it took."""
    progress = multiprocessing.get_context("fork").Value("i", 0)
    out = cluster.log_dir / "sent.json"
    sender = multiprocessing.get_context("fork").Process(
        target=_send, args=(intake.url, cluster.config.webhook_secret, bodies, gitlab_bodies, plan),
        kwargs={"senders": args.senders, "progress": progress, "out": out})
    burst_start = time.monotonic()
    sender.start()
    kills = 0
    while sender.is_alive():
        if workers and kills < 2 and progress.value >= len(plan) * (kills + 1) // 3:
            kills += 1
            for worker in workers:
                worker.kill()
            workers = [cluster.add("worker", name=f"worker-{kills}-{i}", env=ONE_THREAD, wait=False)
                       for i in range(args.workers)]
            print(f"  SIGKILLed {args.workers} workers at {progress.value} deliveries, restarted", flush=True)
        time.sleep(0.01)
    sender.join()
    if sender.exitcode != 0:
        raise SystemExit(f"the sender failed (exit {sender.exitcode})")
    sent = [Sent(*row) for row in json.loads(out.read_text())]
    return sent, burst_start, max(s.started + s.latency for s in sent) - burst_start


def _report_intake(sent: Sequence[Sent], burst: float, plan: Sequence[Delivery]) -> int:
    latencies = [s.latency * 1000 for s in sent]
    print(f"intake: {len(sent)} deliveries in {burst:.2f}s = {len(sent) / burst:.0f}/s; "
          f"latency p50 {_percentile(latencies, .5):.1f} ms, p99 {_percentile(latencies, .99):.1f} ms")
    # each valid delivery id: one 202 (queued) and, when resent, one 200 (the one that came
    # second: a resend may overtake its original between two sender threads)
    answers: dict[str, list[int]] = {}
    for item in sent:
        answers.setdefault(plan[item.index].delivery, []).append(item.status)
    kinds = {d.delivery: d.kind for d in plan}
    wrong = [d for d, got in answers.items()
             if sorted(got) != ([401] if kinds[d] == "bad" else [200, 202][2 - len(got):])]
    print(f"{len(wrong)} deliveries answered wrongly, e.g. {wrong[0]}: {answers[wrong[0]]}" if wrong
          else "answers as expected (one 202 per delivery id, 200 for its resend, 401 for a bad signature)")
    return 1 if wrong else 0


def _light(gh: GitHubApiServer, cluster: AppCluster, intake: AppProcess, bodies: Bodies,
           *, heads: Sequence[str], numbers: Sequence[int]) -> list[float]:
    """Delivery to completed check run of ``numbers`` sent one at a time to the idle app."""
    times: list[float] = []
    for number, head in zip(numbers, heads, strict=True):
        body = bodies.body(number)
        at = time.monotonic()
        _post(intake.url, body, str(uuid.uuid4()), sign(cluster.config.webhook_secret, body))
        _wait_all(gh, [head], 300, cluster)
        times.append(_completions(gh)[head] - at)
    return times


def _verify(gh: GitHubApiServer, plan: Sequence[Delivery], unique: Sequence[int], bad: Sequence[int], *,
            heads: dict[int, str], sent: Sequence[Sent], gitlab: GitLabSide | None = None) -> list[str]:
    failures: list[str] = []
    on_gitlab = set(gitlab.iids) if gitlab is not None else set()
    with gh.state.lock:
        runs = Counter(r["head_sha"] for r in gh.state.check_runs.values())
        completed = Counter(r["head_sha"] for r in gh.state.check_runs.values() if r["status"] == "completed")
        reviews = Counter((c["pull_request_url"], c["path"], c.get("line"), c["body"])
                          for c in gh.state.review_comments.values())
        issues = Counter((c["issue_url"], c["body"]) for c in gh.state.issue_comments.values())
    wrong = [n for n in unique if n not in on_gitlab and (runs[heads[n]] != 1 or completed[heads[n]] != 1)]
    if wrong:
        failures.append(f"{len(wrong)} unique pull requests without exactly one completed check run, "
                        f"e.g. #{wrong[0]}: {runs[heads[wrong[0]]]} runs")
    processed_bad = [n for n in bad if runs[heads[n]]]
    if processed_bad:
        failures.append(f"{len(processed_bad)} bad-signature deliveries were processed")
    refused = Counter(s.status for s in sent if plan[s.index].kind == "bad")
    if set(refused) != {401}:
        failures.append(f"bad signatures (tokens) answered {dict(refused)}")
    accepted = Counter(s.status for s in sent if plan[s.index].kind != "bad")
    if not set(accepted) <= {200, 202}:
        failures.append(f"valid deliveries answered {dict(accepted)}")
    duplicated = sum(1 for n in reviews.values() if n > 1) + sum(1 for n in issues.values() if n > 1)
    if duplicated:
        failures.append(f"{duplicated} comments posted more than once")
    if not reviews and any(n not in on_gitlab for n in unique):
        failures.append("no review comment at all (each change has a new finding)")
    if gitlab is not None:
        failures += _verify_gitlab(gitlab, unique, bad, heads)
    return failures


def _verify_gitlab(gitlab: GitLabSide, unique: Sequence[int], bad: Sequence[int],
                   heads: dict[int, str]) -> list[str]:
    """GitLab's half: one final status per unique merge request head, none on a bad-token one,
    no discussion note posted twice on a merge request."""
    failures: list[str] = []
    wrong = [n for n in unique if n in gitlab.iids and gitlab.final_statuses(heads[n]) != 1]
    if wrong:
        failures.append(f"{len(wrong)} unique merge requests without exactly one final status, e.g. "
                        f"!{gitlab.iids[wrong[0]]}: {gitlab.final_statuses(heads[wrong[0]])}")
    processed_bad = [n for n in bad if n in gitlab.iids and gitlab.gl.statuses(gitlab.project_id, heads[n])]
    if processed_bad:
        failures.append(f"{len(processed_bad)} bad-token GitLab deliveries were processed")
    notes: Counter[tuple[int, str, str]] = Counter()
    for number in unique:
        if number in gitlab.iids:
            iid = gitlab.iids[number]
            for discussion in gitlab.gl.discussions(gitlab.project_id, iid):
                first = discussion["notes"][0]
                notes[(iid, json.dumps(first.get("position"), sort_keys=True), first["body"])] += 1
    duplicated = [key for key, count in notes.items() if count > 1]
    if duplicated:
        failures.append(f"{len(duplicated)} GitLab discussions posted more than once, "
                        f"e.g. {duplicated[0][:2]}")
    if not any(key[1] != "null" for key in notes):
        failures.append("no positioned GitLab discussion at all (each change has a new finding)")
    return failures


def _post(url: str, body: bytes, delivery: str, signature: str) -> int:
    host, _, port = url.removeprefix("http://").partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("POST", "/webhooks/github", body=body, headers={
            "Content-Type": "application/json", "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": signature})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
