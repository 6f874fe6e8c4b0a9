"""Target discovery: which files and directories a GitOps agent would apply, like Argo CD.

Rules (documented in the plan each target carries as ``reason``):

* a directory with ``kustomization.yaml`` / ``.yml`` / ``Kustomization`` is a Kustomize
  target, unless it is a ``kind: Component`` or another kustomization builds on it
  (a *base*): Argo CD applications point at overlays, not at the bases they share.
  Naming it under ``targets.kustomize`` in the configuration makes it a target anyway;
* a directory with ``Chart.yaml`` is a Helm chart: one target with its default values,
  or one target per ``targets.helm`` entry naming it (one per value set);
* any other ``.yaml`` / ``.yml`` / ``.json`` file is a plain target;
* files a target reads are *consumed* (validated through the target, not again on
  their own); hidden files and directories, the configuration file, ``ignore`` globs,
  non-manifest files and files in a kustomization directory it does not reference
  are *ignored*, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import Kustomization
from validator.render.kustomization_reader import read_tree
from validator.render.paths import repo_relative
from validator.render.scan import RepoScan
from validator.render.targets import Target, TargetKind, TargetPlan
from validator.repo_config import CONFIG_FILE, RepoConfig


def discover_targets(root: Path, paths: Sequence[Path], config: RepoConfig) -> TargetPlan:
    """Plan the targets under ``root``, keeping those in or reading from ``paths``.

    ``paths`` (default: the root) are files or directories inside the root; relative
    ones are relative to the current directory, as on a command line.
    """
    root = root.absolute()
    scan = RepoScan(root, config)
    scan.walk()
    planner = _Planner(root, config, scan)
    targets = planner.plan()
    selected = [repo_relative(root, path) for path in (paths or (root,))]
    targets = [t for t in targets if _selected(t.path, selected)
               or any(_selected(i, selected) for i in t.inputs)]
    return TargetPlan(
        targets=tuple(sorted(targets, key=lambda t: (t.path, t.name))),
        consumed={p: why for p, why in planner.consumed.items() if _selected(p, selected)},
        ignored={p: why for p, why in scan.ignored.items() if _selected(p, selected)},
        findings=tuple(f for f in planner.findings + scan.findings
                       if f.location.path == CONFIG_FILE or _selected(f.location.path, selected)))


def _selected(path: str, selected: Iterable[str]) -> bool:
    return any(s in (".", path) or path.startswith(s.rstrip("/") + "/") for s in selected)


class _Planner:
    """Turns the scan into targets, consumed files and the remaining ignored files."""

    def __init__(self, root: Path, config: RepoConfig, scan: RepoScan) -> None:
        self.root, self.config, self.scan = root, config, scan
        self.consumed: dict[str, str] = {}
        self.findings: list[Finding] = []
        cache: dict[str, Kustomization | None] = {}
        self.trees = {d: list(read_tree(root, d, cache)) for d in scan.kustomize_dirs}

    def plan(self) -> list[Target]:
        targets = self.kustomize_targets() + self.helm_targets()
        owned = set(self.consumed)
        for directory in self.scan.kustomize_dirs:
            for path in self.scan.manifests:
                if path not in owned and _under(path, directory):
                    self.scan.ignored[path] = (f"in kustomization directory {directory} but not "
                                               "referenced by it (not applied)")
                    owned.add(path)
        for path in self.scan.others:
            if path not in self.consumed:
                self.scan.ignored[path] = "not a YAML or JSON file"
        targets += [Target(kind=TargetKind.PLAIN, path=path, name=path, reason="manifest file",
                           inputs=(path,))
                    for path in self.scan.manifests if path not in owned]
        return targets

    def kustomize_targets(self) -> list[Target]:
        declared = {entry.path: entry for entry in self.config.kustomize}
        for path, entry in declared.items():
            if path not in self.trees:
                self.config_problem(f"targets.kustomize: {path} has no kustomization file",
                                    entry.line)
        built_on = {root for tree in self.trees.values() for k in tree[:1] for root in k.roots}
        targets = []
        for directory, tree in sorted(self.trees.items()):
            head = tree[0] if tree else None
            if directory in declared:
                reason = f"declared in {CONFIG_FILE}:{declared[directory].line}"
            elif not self.config.discover or head is None or head.is_component or directory in built_on:
                continue
            else:
                reason = f"directory with {head.path.rsplit('/', 1)[-1]}"
            name = declared[directory].name if directory in declared else ""
            target = Target(kind=TargetKind.KUSTOMIZE, path=directory, name=name or directory,
                            reason=reason, inputs=_tree_inputs(tree))
            targets.append(target)
            for kustomization in tree:
                self.consume(kustomization.path, "kustomization file", target.name)
                for path in kustomization.files:
                    self.consume(path, f"read by {kustomization.path}", target.name)
        return targets

    def helm_targets(self) -> list[Target]:
        declared: dict[str, list[Target]] = {}
        for entry in self.config.helm:
            if entry.chart not in self.scan.chart_files:
                self.config_problem(f"targets.helm: {entry.chart} has no Chart.yaml", entry.line)
                continue
            values = tuple(repo_relative(self.root, self.root / entry.chart / v)
                           for v in entry.values)
            for value, raw in zip(values, entry.values, strict=True):
                if not (self.root / value).is_file():
                    self.config_problem(f"targets.helm: values file {raw} (in {entry.chart}) "
                                        "does not exist", entry.line)
            chart_dir = entry.chart.rstrip("/") + "/"
            stem = "+".join(v.removeprefix(chart_dir).rsplit(".", 1)[0] for v in values) or "default"
            name = entry.name or f"{entry.chart}@{stem}"
            if name in {t.name for targets in declared.values() for t in targets}:
                self.config_problem(f"targets.helm: a second target named {name}; give each "
                                    "value set a distinct name", entry.line)
                continue
            declared.setdefault(entry.chart, []).append(Target(
                kind=TargetKind.HELM, path=entry.chart, name=name,
                reason=f"declared in {CONFIG_FILE}:{entry.line}",
                release_name=entry.release or entry.chart.rsplit("/", 1)[-1],
                namespace=entry.namespace or "default", values_files=values,
                inputs=(*self.scan.chart_files[entry.chart], *values)))
        targets: list[Target] = []
        for chart, files in sorted(self.scan.chart_files.items()):
            chart_targets = declared.get(chart) or ([] if not self.config.discover else [Target(
                kind=TargetKind.HELM, path=chart, name=chart, inputs=tuple(files),
                reason="chart directory (Chart.yaml), default values",
                release_name=chart.rsplit("/", 1)[-1], namespace="default")])
            targets += chart_targets
            names = [t.name for t in chart_targets] or ["no target"]
            for path in files:
                self.consumed[path] = f"part of chart {chart}; rendered by {', '.join(names)}"
            for target in chart_targets:
                for path in target.values_files:
                    self.consume(path, "values file", target.name)
        return targets

    def consume(self, path: str, how: str, target: str) -> None:
        previous = self.consumed.get(path)
        if previous is None:
            self.consumed[path] = f"{how}; rendered by {target}"
        elif target not in previous.split("rendered by ", 1)[-1].split(", "):
            self.consumed[path] = f"{previous}, {target}"

    def config_problem(self, message: str, line: int) -> None:
        self.findings.append(Finding(
            rule_id="config/target", severity=Severity.ERROR, message=message,
            engine=Engine.CONFIG, location=Location(path=CONFIG_FILE, line=line)))


def _tree_inputs(tree: list[Kustomization]) -> tuple[str, ...]:
    return tuple(sorted({path for k in tree for path in (k.path, *k.files)}))


def _under(path: str, directory: str) -> bool:
    return directory == "." or path.startswith(directory + "/")
