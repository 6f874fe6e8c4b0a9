"""``diff`` against a full ``check``: a generated git repository of 200 apps, measured in one run.

Run: ``python -m benchmarks.bench_diff [--runs 1] [--jobs 2]``. The repository (real git)
holds 200 apps: 75 Kustomize apps (a base and an overlay each), 75 Helm value sets
(25 charts with 3 value sets each, declared in ``.gitops-validator.yaml``) and 50
overlays sharing one base. Two commits change it:

* a one-app change (one overlay's patch): ``diff`` of that commit against a full
  ``check`` of the head, and the ratio (target: 10% or less);
* a change to the base the 50 overlays share: ``diff`` re-renders those 50.

Both commands run in-process the way the CLI runs them (schemas and the bundled
policies on a real OPA, real kustomize and helm); every run starts with an empty render
cache (``XDG_CACHE_HOME`` in a temporary folder), so the cache only helps a ``diff``
with what it renders twice within the run. ``--runs N`` measures N rounds, each a full
check, the one-app diff and the 50-overlay diff one after the other (so a busy machine
slows all three alike); it prints the median and the best of each, and the ratios of
the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.change.gitrepo import GitRepo
from validator.cli.check import check
from validator.cli.diff import diff
from validator.config import resolve_check_settings
from validator.options import CheckOptions
from validator.pipeline import run_check
from validator.repo_config import load_repo_config
from validator.service import DiffReport, DiffRequest, run_diff

KUSTOMIZE_APPS, CHARTS, VALUE_SETS, SHARED_OVERLAYS = 75, 25, 3, 50

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: apps
  labels: {{app: {name}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          resources: {{limits: {{cpu: 100m, memory: 64Mi}}}}
"""
PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: apps}}
spec:
  replicas: {replicas}
"""
CHART_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  namespace: apps
data:
  size: {{ .Values.size | quote }}
"""


def generate(repo: GitRepo) -> None:
    """The 200 apps, committed."""
    for i in range(KUSTOMIZE_APPS):
        name = f"k{i:03d}"
        repo.write(f"apps/{name}/base/kustomization.yaml", "resources:\n- deploy.yaml\n")
        repo.write(f"apps/{name}/base/deploy.yaml", DEPLOYMENT.format(name=name))
        repo.write(f"apps/{name}/prod/kustomization.yaml",
                   "resources:\n- ../base\npatches:\n- path: patch.yaml\n")
        repo.write(f"apps/{name}/prod/patch.yaml", PATCH.format(name=name, replicas=3))
    helm = []
    for c in range(CHARTS):
        chart = f"charts/c{c:02d}"
        repo.write(f"{chart}/Chart.yaml", f"apiVersion: v2\nname: c{c:02d}\nversion: 0.1.0\n")
        repo.write(f"{chart}/values.yaml", "size: small\n")
        repo.write(f"{chart}/templates/config.yaml", CHART_TEMPLATE)
        for v in range(VALUE_SETS):
            repo.write(f"{chart}/values-{v}.yaml", f"size: s{v}\n")
            helm.append(f"    - {{chart: {chart}, name: c{c:02d}-{v}, release: c{c:02d}-{v}, "
                        f"namespace: apps, values: [values-{v}.yaml]}}\n")
    repo.write(".gitops-validator.yaml", "version: 1\ntargets:\n  helm:\n" + "".join(helm))
    repo.write("shared/base/kustomization.yaml", "resources:\n- deploy.yaml\n")
    repo.write("shared/base/deploy.yaml", DEPLOYMENT.format(name="shared"))
    for o in range(SHARED_OVERLAYS):
        repo.write(f"shared/overlays/o{o:02d}/kustomization.yaml",
                   f"resources:\n- ../../base\nnamePrefix: o{o:02d}-\n")
    repo.commit("200 apps")


def _options(command: Any, args: list[str]) -> dict[str, Any]:
    context = command.make_context(command.name, args)
    return dict(context.params)


def full_check(root: Path, jobs: int) -> int:
    """``gitops-validator check ROOT --policy builtin``: the number of findings."""
    options = _options(check, [str(root), "--policy", "builtin", "--jobs", str(jobs)])
    for name in ("paths", "root", "all_kustomizations", "outputs", "output_files", "color",
                 "progress"):
        options.pop(name)
    settings = resolve_check_settings(options, explicit={"policies", "jobs"}, root=root,
                                      paths=[root], repo=load_repo_config(root))
    return len(run_check(settings).findings)


def run_diff_of(root: Path, base: str, head: str, jobs: int) -> DiffReport:
    """``gitops-validator diff ROOT --base BASE --head HEAD --policy builtin``."""
    options = _options(diff, [str(root), "--policy", "builtin", "--jobs", str(jobs)])
    for name in ("paths", "outputs", "output_files", "color", "progress", "show_diff", "base",
                 "head", "worktree", "trusted_ref", "block", "all_kustomizations"):
        options.pop(name)
    return run_diff(DiffRequest(folder=root, base=base, head=head,
                                options=CheckOptions.from_mapping(options),
                                explicit=frozenset({"policies", "jobs"})))


def timed(cache: Path, action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call with an empty render cache, and its value."""
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["XDG_CACHE_HOME"] = str(cache)
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        repo = GitRepo.init(Path(tmp) / "repo")
        generate(repo)
        base = repo.git("rev-parse", "HEAD")
        repo.write("apps/k042/prod/patch.yaml", PATCH.format(name="k042", replicas=5))
        one_app = repo.commit("one app scales")
        repo.write("shared/base/deploy.yaml", DEPLOYMENT.format(name="shared").replace(
            "replicas: 2", "replicas: 4"))
        shared = repo.commit("the shared base scales")
        cache = Path(tmp) / "cache"
        print(f"{KUSTOMIZE_APPS} Kustomize apps, {CHARTS * VALUE_SETS} Helm value sets, "
              f"{SHARED_OVERLAYS} overlays of one base; jobs={args.jobs}, {args.runs} rounds")
        repo.git("checkout", "-q", one_app)
        times: dict[str, list[float]] = {"check": [], "one": [], "shared": []}
        for n in range(args.runs):
            check_time, findings = timed(cache, lambda: full_check(repo.root, args.jobs))
            one_time, one = timed(cache, lambda: run_diff_of(repo.root, base, one_app, args.jobs))
            shared_time, many = timed(cache, lambda: run_diff_of(repo.root, one_app, shared, args.jobs))
            for key, value in (("check", check_time), ("one", one_time), ("shared", shared_time)):
                times[key].append(value)
            print(f"round {n + 1}: check {check_time:.2f} s ({findings} findings), one-app diff "
                  f"{one_time:.2f} s ({len(one.rendered)} renders, {one_time / check_time:.1%}), "
                  f"50-overlay diff {shared_time:.2f} s ({len(many.rendered)} renders, "
                  f"{shared_time / check_time:.1%})", flush=True)
        check_median = statistics.median(times["check"])
        for key, label in (("check", "check (head, full)        "), ("one", "diff (one-app change)     "),
                           ("shared", "diff (base of 50 overlays)")):
            median = statistics.median(times[key])
            print(f"{label}  median {median:6.2f} s  best {min(times[key]):6.2f} s  "
                  f"{median / check_median:6.1%} of the full check (medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
