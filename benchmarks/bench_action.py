"""The Action adapter's overhead: a one-file pull request against the GitHub API test server.

Run: ``python -m benchmarks.bench_action [--runs 3] [--apps 20] [--changed 1]``.

A real git repository of ``--apps`` plain Deployments (one file each); a pull request changes
``--changed`` of them (a privileged container: one new finding each, plus the bundled
library's existing ones on that file). Measured, best of ``--runs``, each as a subprocess the
way the Actions runner starts it:

* ``gitops-validator action`` on ``pull_request`` ``opened`` (first run: the check run,
  the review and the summary comment are created) and on ``synchronize`` of a second push
  (existing comments read and kept, the check run of the new head): from start to the
  completed check run (the process's end: writing the outputs after it is negligible);
* ``gitops-validator diff`` of the same base and head, the floor the adapter adds to;
* the API requests each adapter run made (``GitHubApiServer.requests``), against the
  budget: 6 + 1 per further 50 annotations + 1 per review.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.action import payloads
from tests.action.scenario import REPO_ROOT, ActionRun, Scenario, deployment
from tests.change.gitrepo import GIT_TEST_ENV, GitRepo
from tests.support.github_api import GitHubApiServer
from validator.process import Command, run

REPOSITORY = "octo-org/gitops"


def _repository(tmp: Path, apps: int) -> Scenario:
    origin = GitRepo.init(tmp / "origin")
    for index in range(apps):
        origin.write(f"apps/app-{index:03d}/deploy.yaml", deployment(f"app-{index:03d}"))
    origin.commit("base")
    workspace = GitRepo(root=tmp / "workspace")
    origin.git("clone", "-q", f"file://{origin.root}", str(workspace.root))
    return Scenario(tmp=tmp, origin=origin, workspace=workspace,
                    inputs={"INPUT_POLICY": "builtin", "INPUT_PATHS": "apps"})


def _change(scenario: Scenario, changed: int, *, round_: int) -> str:
    files = {f"apps/app-{index:03d}/deploy.yaml":
             deployment(f"app-{index:03d}", privileged=True).replace("replicas: 2", f"replicas: {3 + round_}")
             for index in range(changed)}
    return scenario.push_branch(files, message=f"change {round_}")


def _action(scenario: Scenario, gh: GitHubApiServer, action: str, base: str, head: str
            ) -> tuple[float, ActionRun, list[str]]:
    before = len(gh.requests)
    start = time.perf_counter()
    done = scenario.run("pull_request", payloads.pull_request(action, base=base, head=head),
                        token=gh.token, api_url=gh.url, extra={"GITHUB_GRAPHQL_URL": gh.graphql_url})
    elapsed = time.perf_counter() - start
    if done.exit_code not in (0, 1):
        raise SystemExit(f"the action failed (exit {done.exit_code}):\n{done.stderr}")
    calls = [f"{r.method} {r.operation}" for r in gh.requests[before:]]
    return elapsed, done, calls


def _diff(scenario: Scenario, base: str, head: str) -> float:
    env = {**GIT_TEST_ENV, "HOME": str(scenario.tmp / "home"), "PYTHONPATH": str(REPO_ROOT),
           "GITOPS_VALIDATOR_TOOLS_DIR": os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", "")}
    start = time.perf_counter()
    run(Command(args=(sys.executable, "-m", "validator", "diff", "apps", "--base", base, "--head", head,
                      "--policy", "builtin", "-o", "markdown"),
                cwd=scenario.workspace.root, env=env, ok_codes=frozenset({0, 1}), timeout=300))
    return time.perf_counter() - start


def _budget(gh: GitHubApiServer, head: str) -> tuple[int, int]:
    """Annotations of the head's check run, and the request budget they allow."""
    runs = [r for r in gh.state.check_runs.values() if r["head_sha"] == head]
    annotations = sum(len(gh.state.annotations.get(r["id"], [])) for r in runs)
    reviews = 1  # at most one review per run
    return annotations, 6 + max(0, math.ceil(annotations / 50) - 1) + reviews


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--changed", type=int, default=1)
    args = parser.parse_args()
    best: dict[str, float] = {}
    calls: dict[str, list[str]] = {}
    budgets: dict[str, tuple[int, int]] = {}
    for _ in range(args.runs):
        tmp = Path(tempfile.mkdtemp(prefix="bench-action-"))
        try:
            (tmp / "home").mkdir()
            scenario = _repository(tmp, args.apps)
            base = scenario.main_sha()
            with GitHubApiServer() as gh:
                gh.add_repository(REPOSITORY, git_dir=scenario.origin.root)
                head = _change(scenario, args.changed, round_=1)
                gh.add_pull_request(REPOSITORY, number=7, base_sha=base, head_sha=head)
                first, _, calls["opened"] = _action(scenario, gh, "opened", base, head)
                budgets["opened"] = _budget(gh, head)
                second_head = _change(scenario, args.changed, round_=2)
                gh.update_pull_request(REPOSITORY, 7, head_sha=second_head)
                second, _, calls["synchronize"] = _action(scenario, gh, "synchronize", base, second_head)
                budgets["synchronize"] = _budget(gh, second_head)
                if gh.violations:
                    raise SystemExit("contract violations: " + "; ".join(map(str, gh.violations)))
            floor = _diff(scenario, base, second_head)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for name, value in (("action opened", first), ("action synchronize", second), ("diff", floor)):
            best[name] = min(best.get(name, math.inf), value)
    print(f"{args.apps} apps, {args.changed} changed file(s); best of {args.runs} runs (subprocesses)")
    for name, value in best.items():
        print(f"  {name:<20} {value:6.2f} s")
    print(f"  adapter overhead     {best['action synchronize'] - best['diff']:6.2f} s "
          "(action synchronize - diff)")
    for name, made in calls.items():
        annotations, budget = budgets[name]
        verdict = "within" if len(made) <= budget else "OVER"
        print(f"  {name}: {len(made)} API requests, {annotations} annotations, budget {budget}: {verdict}")
        for call, count in sorted(Counter(made).items()):
            print(f"      {count} x {call}")


if __name__ == "__main__":
    main()
