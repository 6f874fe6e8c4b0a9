"""Target discovery: which files and directories a GitOps agent would apply, like Argo CD.

Rules (each target carries its own as ``reason``; docs/targets.md is the long form):

* a directory with ``kustomization.yaml`` / ``.yml`` / ``Kustomization`` is a Kustomize
  target when the configuration names it (``targets.kustomize``), when an agent object
  in the repository names it as its path (:mod:`agents`), with ``all_kustomizations``,
  or, when discovering, unless it is a ``kind: Component`` or a buildable kustomization
  builds on it (a *base*: Argo CD applications point at overlays, not at their bases);
* a kustomization on a cycle, or building on one, is never built (kustomize cannot):
  the entry is a finding (:mod:`kustomize_graph`) and its resource files are plain targets;
* a directory with ``Chart.yaml`` is a Helm chart: one target with its default values,
  or one target per ``targets.helm`` entry naming it (one per value set);
* any other ``.yaml`` / ``.yml`` / ``.json`` file is a plain target, except a file in a
  kustomization's own folder that the kustomization does not reference (not applied);
  a file named on the command line is always checked;
* files a target reads are *consumed* (validated through the target, not again on
  their own); hidden files and directories, the configuration file, ``ignore`` globs,
  non-manifest files and unreferenced files are *ignored*, each with its reason.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import yaml

from validator.agents.model import AgentMode
from validator.agents.objects import AGENT_MARKERS, ObjectIndex, objects_in
from validator.agents.plan import AgentContext, AgentPlan, plan_agents
from validator.agents.repo_urls import own_repository_urls
from validator.charts.config import chart_settings
from validator.load.files import special_file_kind
from validator.model import Engine, Finding, Location, Severity, natural_path_key
from validator.render.agents import agent_paths
from validator.render.kustomization import KUSTOMIZATION_FILES, Kustomization
from validator.render.kustomization_reader import read_tree
from validator.render.kustomize_graph import analyse
from validator.render.paths import inside_root, repo_relative, resolved_relative
from validator.render.scan import MANIFEST_SUFFIXES, RepoScan
from validator.render.targets import NOT_APPLIED, Target, TargetKind, TargetPlan
from validator.repo_config import CONFIG_FILE, KustomizeTargetConfig, RepoConfig

_UNREFERENCED = f"not referenced by the kustomization in its folder {NOT_APPLIED}"
_COMPONENT = "part of a kustomize component that no built kustomization uses"
_CYCLE = "kustomization not built: it is on a kustomization cycle or builds on one"
_UNUSED_VALUES = ("values file no Helm target uses (helm reads only the values files a target "
                  "names: add a targets.helm entry for its chart with it)")
_LIBRARY_CHART = ("part of Helm library chart (type: library, not installable): rendered only "
                  "through the charts that depend on it")
_CHART_YAML_MAX_BYTES = 1024 * 1024
#: The chart folders whose files helm renders or loads as charts.
_HELM_RENDERED_FOLDERS = frozenset({"templates", "crds", "charts"})
_OUTSIDE_HELM = ("in chart folder {chart} but outside templates/, crds/ and charts/: helm does "
                 "not render it, so it is checked on its own")
#: Files at the top of a chart that helm reads itself; any other YAML file there is a values file.
_CHART_OWN_FILES = frozenset({"Chart.yaml", "values.yaml", "Chart.lock", "requirements.yaml",
                              "requirements.lock"})
_NOT_DECLARED = "kustomization not built: target discovery is off and targets.kustomize " \
                "does not name it"
_MAX_TEMPLATE_BYTES = 4 * 1024 * 1024


def discover_targets(root: Path, paths: Sequence[Path], config: RepoConfig) -> TargetPlan:
    """Plan the targets under ``root``, keeping those in or reading from ``paths``.

    ``paths`` (default: the root) are files or directories inside the root; relative
    ones are relative to the current directory, as on a command line.
    """
    root = root.absolute()
    scan = RepoScan(root, config)
    scan.walk()
    selected = [repo_relative(root, path) for path in (paths or (root,))]
    named = set(selected) & set(scan.manifests)
    planner = _Planner(root, config, scan)
    targets = planner.plan(named)
    if scan.links:
        targets = [_with_link_targets(root, scan.links, t) for t in targets]
    targets = [t for t in targets if _selected(t.path, selected)
               or any(_selected(i, selected) for i in t.inputs)]
    return TargetPlan(
        targets=tuple(sorted(targets, key=lambda t: (natural_path_key(t.path), t.name))),
        consumed={p: why for p, why in planner.consumed.items() if _selected(p, selected)},
        ignored={p: why for p, why in scan.ignored.items() if _selected(p, selected)},
        findings=tuple(f for f in planner.findings + scan.findings
                       if f.location.path == CONFIG_FILE or _selected(f.location.path, selected)),
        skipped=tuple(s for s in planner.agents.skipped
                      if _selected(s.path.rsplit(":", 1)[0], selected)),
        agent_documents=planner.agents.read,
        agent_objects=planner.agents.objects,
        selection=tuple(selected))


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
        self.graph = analyse({d: k for d, k in cache.items() if k is not None})
        self.findings.extend(self.graph.findings)
        self.agents = AgentPlan()
        self.taken: set[str] = set()
        """Folders and charts an agent target renders (not rendered again on their own)."""

    def plan(self, named: set[str]) -> list[Target]:
        """Every target; ``named`` files (named on the command line) are always checked."""
        targets = self.agent_targets()
        targets += self.kustomize_targets() + self.helm_targets()
        targets += self.cycle_resources()
        # the target of a fetched chart is named by its object's file, which is still checked
        owned = set(self.consumed) | {t.path for t in targets
                                      if t.agent is None or t.path != t.agent.path}
        self.ignore_unbuilt(owned)
        for path in self.scan.manifests:  # only a kustomization's own folder is its own
            if path not in owned and path not in self.scan.ignored \
                    and (posixpath.dirname(path) or ".") in self.trees:
                self.scan.ignored[path] = _UNREFERENCED
        for path in self.scan.others:
            if path not in self.consumed:
                self.scan.ignored[path] = "not a YAML or JSON file"
        for path in sorted(named):
            why = self.scan.ignored.get(path)
            if why in (_UNREFERENCED, _COMPONENT, _CYCLE) and \
                    posixpath.basename(path) not in KUSTOMIZATION_FILES:
                del self.scan.ignored[path]
                owned.add(path)
                targets.append(_plain(path, f"named on the command line (otherwise: {why})"))
        targets += [_plain(path, "manifest file") for path in self.scan.manifests
                    if path not in owned and path not in self.scan.ignored]
        return targets

    def agent_targets(self) -> list[Target]:
        """The targets Argo CD and Flux objects define (:mod:`validator.agents`); their
        files are consumed and their folders and charts not rendered again on their own."""
        if self.config.agents.mode is AgentMode.OFF:
            return []
        index = ObjectIndex(self.root, self.scan.manifests)
        found = list(objects_in(self.root, self.scan.manifests, AGENT_MARKERS, index.parsed))
        if not found:  # no agent object: no git call for the repository's remotes
            return []
        context = AgentContext(
            root=self.root, config=self.config.agents, manifests=self.scan.manifests,
            chart_files=self.scan.chart_files, kustomize_tree=lambda d: self.trees.get(d, []),
            index=index,
            repository_urls=own_repository_urls(self.root, self.config.agents),
            charts=chart_settings(self.config.charts, root=self.root))
        self.agents = plan_agents(context, found)
        self.findings.extend(self.agents.findings)
        for target in self.agents.targets:
            if target.kind is not TargetKind.PLAIN:
                self.taken.add(target.path)
            if target.kind is TargetKind.KUSTOMIZE:  # its bases, components, generated folders
                self.taken.update(_folder(p) for p in target.inputs
                                  if p.rsplit("/", 1)[-1] in KUSTOMIZATION_FILES)
            own = target.agent.path if target.agent is not None else ""
            for path in target.inputs:
                # the object's own file is still checked as a manifest, unless the build
                # reads it (flux bootstrap's Kustomization builds the folder it is in)
                if path != own or self.builds(target, path):
                    self.consume(path, f"read through {target.agent or 'an agent object'}",
                                 target.name)
        return list(self.agents.targets)

    def builds(self, target: Target, path: str) -> bool:
        """Whether the build of ``target`` (an agent's Kustomize target) reads ``path``: a
        kustomization among its inputs lists it, or a generated kustomization (Flux, a
        folder without one) lists every manifest under the folder outside those."""
        if target.kind is not TargetKind.KUSTOMIZE:
            return False
        folders = {_folder(p) for p in target.inputs if posixpath.basename(p) in KUSTOMIZATION_FILES}
        if any(path in k.files for d in folders for k in self.trees.get(d, [])):
            return True
        generated = target.kustomize is not None and target.kustomize.generate
        return generated and (target.path == "." or path.startswith(target.path + "/")) and \
            not any(path.startswith(d + "/") for d in folders if d != target.path)

    def kustomize_targets(self) -> list[Target]:
        declared = {entry.path: entry for entry in self.config.kustomize}
        for path, entry in declared.items():
            if path not in self.trees:
                self.config_problem(f"targets.kustomize: {path} has no kustomization file",
                                    entry.line)
        # only a base can need an agent object to become a target: no base, no reading
        bases = self.graph.built_on - set(declared)
        agents = agent_paths(self.root, self.scan.manifests) if bases else {}
        agents = {d: why for d, why in agents.items() if d not in self.taken}
        reasons = {}
        for directory, tree in sorted(self.trees.items()):
            reason = self.kustomize_reason(directory, tree, declared, agents)
            if reason is not None:
                reasons[directory] = reason
        if self.config.discover:
            reasons.update(self.bases_nothing_builds(reasons))
        targets = []
        for directory, reason in sorted(reasons.items()):
            tree = self.trees[directory]
            name = declared[directory].name if directory in declared else ""
            target = Target(kind=TargetKind.KUSTOMIZE, path=directory, name=name or directory,
                            reason=reason, inputs=_tree_inputs(tree))
            targets.append(target)
            for kustomization in tree:
                self.consume(kustomization.path, "kustomization file", target.name)
                for path in kustomization.files:
                    self.consume(path, f"read by {kustomization.path}", target.name)
        return targets

    def kustomize_reason(self, directory: str, tree: list[Kustomization],
                         declared: dict[str, KustomizeTargetConfig], agents: dict[str, str]
                         ) -> str | None:
        """Why ``directory`` is a Kustomize target, or None when it is not one."""
        head = tree[0] if tree else None
        if head is None or directory in self.graph.blocked or directory in self.taken:
            return None
        if directory in declared:
            return f"declared in {CONFIG_FILE}:{declared[directory].line}"
        if head.is_component or directory in agents:
            return None if head.is_component else agents[directory]
        file_name = head.path.rsplit("/", 1)[-1]
        if self.config.all_kustomizations:
            return f"directory with {file_name} (all_kustomizations)"
        if not self.config.discover or directory in self.graph.built_on:
            return None
        return f"directory with {file_name}"

    def bases_nothing_builds(self, built: dict[str, str]) -> dict[str, str]:
        """Why each base that no built kustomization reaches is built on its own: its only
        users are themselves not built (an unused component, or a kustomization only
        such a one uses), so nothing that is checked applies it."""
        found: dict[str, str] = {}
        reached = {_folder(k.path) for d in (*built, *(self.taken & set(self.trees)))
                   for k in self.trees[d]}  # an agent object's folder is built through it
        while True:
            left = {d for d, tree in self.trees.items() if tree and d not in reached | self.taken
                    and d not in self.graph.blocked and not tree[0].is_component}
            inner = {_folder(k.path) for d in left for k in self.trees[d][1:]}
            if not (roots := left - inner):
                return found
            for directory in roots:
                file_name = self.trees[directory][0].path.rsplit("/", 1)[-1]
                found[directory] = (f"directory with {file_name}: a base, but no built "
                                    "kustomization uses it")
                reached |= {_folder(k.path) for k in self.trees[directory]}

    def cycle_resources(self) -> list[Target]:
        """The resource files of kustomizations that cannot be built, as plain targets."""
        targets: dict[str, Target] = {}
        manifests = set(self.scan.manifests)
        for directory in sorted(self.graph.blocked & set(self.trees)):
            head = self.trees[directory][0]
            for path in head.resources:
                if path not in self.consumed and path in manifests:
                    targets.setdefault(path, _plain(
                        path, f"resource of {head.path}, which cannot be built (kustomization "
                              "cycle): checked on its own"))
        return list(targets.values())

    def ignore_unbuilt(self, owned: set[str]) -> None:
        """Kustomization files (and what they read) that no target builds, with the reason."""
        for directory, tree in sorted(self.trees.items()):
            if not tree or tree[0].path in owned:
                continue
            head = tree[0]
            if directory in self.graph.blocked:
                why = _CYCLE
            elif head.is_component:
                why = _COMPONENT
            else:
                why = _NOT_DECLARED
            for path in (head.path, *head.files):
                if path not in owned:
                    self.scan.ignored.setdefault(path, why)

    def declared_helm_targets(self) -> dict[str, list[Target]]:
        """The value sets ``targets.helm`` declares, by chart."""
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
        return declared

    def helm_targets(self) -> list[Target]:
        declared = self.declared_helm_targets()
        targets: list[Target] = []
        through_agents: dict[str, list[str]] = {}
        for target in self.agents.targets:
            through_agents.setdefault(target.path, []).append(target.name)
        agent_values = {v for target in self.agents.targets for v in target.values_files}
        for chart, files in sorted(self.scan.chart_files.items()):
            if chart not in declared and _library_chart(self.root, chart):
                for path in files:  # not installable: helm template refuses it
                    self.scan.ignored[path] = _LIBRARY_CHART
                continue
            if len(declared.get(chart, ())) > 1:
                declared[chart] = _own_values_only(self.root, declared[chart], files)
            through = through_agents.get(chart, [])
            chart_targets = declared.get(chart) or ([] if not self.config.discover or through
                                                    else [Target(
                kind=TargetKind.HELM, path=chart, name=chart, inputs=tuple(files),
                reason="chart directory (Chart.yaml), default values",
                release_name=chart.rsplit("/", 1)[-1], namespace="default")])
            targets += chart_targets
            names = [t.name for t in chart_targets] + through or ["no target"]
            used = agent_values | {v for target in chart_targets for v in target.values_files}
            for path in files:
                if _extra_values_file(chart, path) and path not in used:
                    self.scan.ignored[path] = _UNUSED_VALUES
                    continue
                if _not_rendered_by_helm(chart, path) and path not in used:
                    targets.append(_plain(path, _OUTSIDE_HELM.format(chart=chart)))
                    continue
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


def _plain(path: str, reason: str) -> Target:
    return Target(kind=TargetKind.PLAIN, path=path, name=path, reason=reason, inputs=(path,))


def _library_chart(root: Path, chart: str) -> bool:
    """Whether ``chart``'s Chart.yaml says ``type: library`` (an unreadable one is helm's to report)."""
    try:
        with (root / chart / "Chart.yaml").open("rb") as handle:
            data = handle.read(_CHART_YAML_MAX_BYTES + 1)
        if len(data) > _CHART_YAML_MAX_BYTES or b"library" not in data:
            return False
        meta = yaml.load(data, Loader=yaml.CSafeLoader)
    except (OSError, yaml.YAMLError, ValueError, TypeError, RecursionError):
        return False
    return isinstance(meta, dict) and meta.get("type") == "library"


def _not_rendered_by_helm(chart: str, path: str) -> bool:
    """Whether ``path`` is a YAML or JSON file in a sub-folder of ``chart`` that helm never
    renders (only ``templates/``, ``crds/`` and ``charts/`` are): a manifest there is not
    part of the release, so it is checked on its own rather than passed as the chart's."""
    inside = posixpath.relpath(path, chart).split("/")
    return (len(inside) > 1 and inside[0] not in _HELM_RENDERED_FOLDERS
            and path.endswith(MANIFEST_SUFFIXES))


def _extra_values_file(chart: str, path: str) -> bool:
    """Whether ``path`` is a YAML file at the top of ``chart`` that helm does not read by
    itself (``values-prod.yaml``): only a target naming it as a values file uses it."""
    folder, name = posixpath.split(path)
    return folder == chart and name not in _CHART_OWN_FILES and name.endswith((".yaml", ".yml"))


def _folder(path: str) -> str:
    return posixpath.dirname(path) or "."


def _own_values_only(root: Path, value_sets: list[Target], chart_files: list[str]) -> list[Target]:
    """The value sets of one chart, each no longer reading the values files in the chart folder
    that only other value sets name: helm loads them, but only ``.Files`` could read them, so
    unless a template uses ``.Files`` a change to ``values-prod.yaml`` affects only the value
    sets rendered with it."""
    named = {path for target in value_sets for path in target.values_files} & set(chart_files)
    if not named or _uses_files_object(root, chart_files):
        return value_sets
    return [replace(t, inputs=tuple(p for p in t.inputs if p not in named - set(t.values_files)))
            for t in value_sets]


def _uses_files_object(root: Path, chart_files: list[str]) -> bool:
    """Whether a template of the chart (or of a vendored subchart) uses ``.Files``."""
    for path in chart_files:
        if "/templates/" not in f"/{path}":
            continue
        if not inside_root(root, root / path):  # never read: helm refuses the chart anyway
            continue
        if special_file_kind(root / path):  # a pipe would block the read: cannot tell
            return True
        try:
            with (root / path).open("rb") as template:
                text = template.read(_MAX_TEMPLATE_BYTES + 1)
        except OSError:
            return True  # cannot tell: keep every file as an input
        if len(text) > _MAX_TEMPLATE_BYTES or b".Files" in text:
            return True
    return False


def _with_link_targets(root: Path, links: set[str], target: Target) -> Target:
    """``target`` whose inputs also name what each input read through a symlink resolves to
    (a change to the file behind the link affects the target too)."""
    extra = set()
    for path in target.inputs:
        parts = path.split("/")
        if any("/".join(parts[:i]) in links for i in range(1, len(parts) + 1)):
            real = resolved_relative(root, root / path)
            if real is not None and real != path:
                extra.add(real)
    if not extra - set(target.inputs):
        return target
    return replace(target, inputs=tuple(sorted(set(target.inputs) | extra)))


def _tree_inputs(tree: list[Kustomization]) -> tuple[str, ...]:
    return tuple(sorted({path for k in tree for path in (k.path, *k.files)}))
