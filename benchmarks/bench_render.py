"""Render speed: 60 Kustomize overlays and 12 chart x values targets, serial and parallel.

Run: ``python -m benchmarks.bench_render [--runs 3] [--keep DIR]``. Generates a
repository (12 apps, each a base with 5 overlays patching it; 4 charts with 3
value sets each), then times, best of ``--runs``:

* discovery (:func:`discover_targets`);
* rendering with ``jobs=1`` and ``jobs=2``, split into time inside ``kustomize`` /
  ``helm`` subprocesses (summed over threads) and our own processing (the rest of
  the serial run: reading kustomizations, parsing output, removing annotations);
* locating one field of every rendered object (what findings cost);
* ``gitops-validator check --no-policy --no-schema --jobs N`` (the CLI, when present).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from validator import process
from validator.errors import CommandError
from validator.render import RenderSettings, discover_targets, render_targets
from validator.render import helm as helm_module
from validator.render import kustomize as kustomize_module
from validator.repo_config import load_repo_config

T = TypeVar("T")

APPS, OVERLAYS, CHARTS, VALUE_SETS = 12, 5, 4, 3

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: registry.example.com/{name}:1.0.0
          ports: [{{containerPort: 8080}}]
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""
TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ .Release.Name }}}}
spec:
  replicas: {{{{ .Values.replicas }}}}
  selector:
    matchLabels: {{app: {{{{ .Release.Name }}}}}}
  template:
    metadata:
      labels: {{app: {{{{ .Release.Name }}}}}}
    spec:
      containers:
        - name: app
          image: {{{{ .Values.image | quote }}}}
{{{{- range $i, $e := until (int .Values.extraConfigMaps) }}}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{{{ $.Release.Name }}}}-{{{{ $i }}}}
data:
  index: "{{{{ $i }}}}"
{{{{- end }}}}
"""


def generate_repo(root: Path) -> None:
    """Write the benchmark repository under ``root``."""
    helm_entries = []
    for app in range(APPS):
        name = f"app{app:02d}"
        base = root / "apps" / name / "base"
        base.mkdir(parents=True)
        (base / "deployment.yaml").write_text(DEPLOYMENT.format(name=name))
        (base / "service.yaml").write_text(SERVICE.format(name=name))
        (base / "kustomization.yaml").write_text("resources: [deployment.yaml, service.yaml]\n")
        for overlay in range(OVERLAYS):
            env = root / "apps" / name / "overlays" / f"env{overlay}"
            env.mkdir(parents=True)
            (env / "kustomization.yaml").write_text(
                f"namespace: {name}-env{overlay}\nresources: [../../base]\n"
                "patches:\n  - path: patch.yaml\nconfigMapGenerator:\n"
                f"  - name: settings\n    literals: [ENV=env{overlay}]\n")
            (env / "patch.yaml").write_text(
                f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
                f"  replicas: {overlay + 1}\n")
    for chart in range(CHARTS):
        directory = root / "charts" / f"chart{chart}"
        (directory / "templates").mkdir(parents=True)
        (directory / "Chart.yaml").write_text(f"apiVersion: v2\nname: chart{chart}\n"
                                              "version: 1.0.0\n")
        (directory / "values.yaml").write_text("replicas: 1\nimage: registry.example.com/x:1\n"
                                               "extraConfigMaps: 5\n")
        (directory / "templates" / "deployment.yaml").write_text(TEMPLATE.format())
        for value_set in range(VALUE_SETS):
            (directory / f"values-{value_set}.yaml").write_text(f"replicas: {value_set + 1}\n")
            helm_entries.append(
                f"    - chart: charts/chart{chart}\n      name: chart{chart}-{value_set}\n"
                f"      namespace: ns{value_set}\n      values: [values-{value_set}.yaml]\n")
    (root / ".gitops-validator.yaml").write_text("targets:\n  helm:\n" + "".join(helm_entries))


class SubprocessClock:
    """Sums the time spent in ``process.run`` by the renderers (across threads)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = process.run

        def timed(command: process.Command) -> process.Result:
            start = time.perf_counter()
            try:
                return original(command)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - start

        modules = (vars(kustomize_module), vars(helm_module))  # the renderers' own `run`
        for namespace in modules:
            namespace["run"] = timed
        try:
            yield
        finally:
            for namespace in modules:
                namespace["run"] = original


def best_of(runs: int, action: Callable[[], T]) -> tuple[float, T]:
    """Best wall time of ``runs`` calls, and the last value."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        value = action()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the repository here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-render-"))
    if args.keep and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        generate_repo(root)
        report(root, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(root)
    return 0


def report(root: Path, runs: int) -> None:
    config = load_repo_config(root)
    discover_s, plan = best_of(runs, lambda: discover_targets(root, [], config))
    kinds: dict[str, int] = {}
    for target in plan.targets:
        kinds[target.kind.value] = kinds.get(target.kind.value, 0) + 1
    print(f"repository: {kinds}; discovery {discover_s * 1000:.0f} ms")
    for jobs in (1, 2):
        timings = []  # (wall, seconds inside subprocesses) of each run
        for _ in range(runs):
            clock = SubprocessClock()
            with clock.installed():
                wall, rendered = best_of(1, lambda j=jobs: render_targets(  # type: ignore[misc]
                    plan, RenderSettings(jobs=j), root=root))
            timings.append((wall, clock.seconds))
            assert not rendered.findings, rendered.findings[:3]
        wall, inside = min(timings)
        own = f"; our processing {wall - inside:.3f} s" if jobs == 1 else ""
        print(f"render jobs={jobs}: {wall:.3f} s wall (best of {runs}) for "
              f"{len(rendered.documents)} objects; inside helm/kustomize {inside:.3f} s "
              f"(summed over threads){own}")
    field = ("spec", "template", "spec", "containers", 0, "image")
    locate_s, _ = best_of(1, lambda: [d.locate(field) for d in rendered.documents])
    print(f"locate one field of every object: {locate_s * 1000:.0f} ms "
          f"({locate_s / max(len(rendered.documents), 1) * 1e6:.0f} us per object, first call)")
    for jobs in (1, 2):
        command = process.Command(
            args=(sys.executable, "-m", "validator", "check", str(root), "--root", str(root),
                  "--no-policy", "--no-schema", "--no-progress", "--jobs", str(jobs),
                  "-o", "json"), ok_codes=frozenset({0, 1}), timeout=600)
        try:
            cli_s, _ = best_of(runs, lambda c=command: process.run(c))  # type: ignore[misc]
        except CommandError as exc:
            print(f"check --jobs {jobs}: not available ({exc})")
            break
        print(f"gitops-validator check --no-policy --no-schema --jobs {jobs}: {cli_s:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
