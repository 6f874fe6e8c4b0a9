"""The agent stage of planning: every agent object among the manifests read into targets.

:func:`plan_agents` finds the Argo CD and Flux objects (per :class:`AgentMode`), hands
each to its reader (:data:`READERS`), and returns the targets they define, the skipped
entries for what cannot be rendered and the findings. The planner
(:mod:`validator.render.discover`) adds the targets, does not render their folders and
charts again on their own terms, and marks their files consumed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from validator.agents.model import AgentConfig, AgentObject
from validator.agents.objects import AGENT_MARKERS, FoundObject, ObjectIndex, objects_in
from validator.charts.config import ChartSettings
from validator.model import Finding, Skipped

if TYPE_CHECKING:  # validator.render imports this module: only names for annotations here
    from validator.render.kustomization import Kustomization
    from validator.render.targets import Target


@dataclass(frozen=True, kw_only=True)
class AgentContext:
    """What a reader may consult: the repository, its plan so far and the settings."""

    root: Path
    """The checked root."""
    config: AgentConfig
    manifests: Sequence[str]
    """Repository-relative manifest files (YAML and JSON) of the scan."""
    chart_files: Mapping[str, Sequence[str]]
    """Chart folder -> the files of the chart (from the scan)."""
    kustomize_tree: Callable[[str], list[Kustomization]]
    """Folder -> the kustomization there and every one it builds on ([] when none)."""
    index: ObjectIndex
    """Other objects by kind, namespace and name (GitRepository, ConfigMap...)."""
    repository_urls: frozenset[str] = frozenset()
    """This repository's URLs, normalised (:func:`validator.agents.repo_urls.normalise`)."""
    depth: int = 0
    """0 for objects in the repository's files; n for objects rendered n levels down."""
    charts: ChartSettings = field(default_factory=ChartSettings)
    """Where remote charts may come from (``charts:``): :func:`validator.charts.fetch_chart`."""


@dataclass(frozen=True, kw_only=True)
class AgentRead:
    """What one agent object yields."""

    targets: tuple[Target, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    """What it deploys that is not rendered, each naming the object and why."""
    findings: tuple[Finding, ...] = ()
    """Problems in the object itself (a missing values file, a bad template...)."""


Reader = Callable[[FoundObject, AgentContext], AgentRead]
_HELM_RELEASE = ("helm.toolkit.fluxcd.io", "HelmRelease")


def _readers() -> dict[tuple[str, str], tuple[str, Reader]]:
    from validator.agents import appset, argocd, flux  # noqa: PLC0415 - they import this module

    return {
        ("argoproj.io", "Application"): ("argocd", argocd.read_application),
        ("argoproj.io", "ApplicationSet"): ("argocd", appset.read_application_set),
        ("kustomize.toolkit.fluxcd.io", "Kustomization"): ("flux", flux.read_kustomization),
        ("helm.toolkit.fluxcd.io", "HelmRelease"): ("flux", flux.read_helm_release),
    }


@dataclass(frozen=True, kw_only=True)
class AgentPlan:
    """The targets agent objects define, and everything else they said."""

    targets: tuple[Target, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    findings: tuple[Finding, ...] = ()
    objects: tuple[AgentObject, ...] = ()
    """Every agent object read (whether it defined targets or skipped entries)."""
    read: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    """``(file, first line)`` of every object read here: the pipeline's generic "not
    rendered" entries are for agent objects outside this set only. A line, not a document
    index, because the same object is often rendered out of another target too (a Flux
    root Kustomization over ``clusters/prod``), where its index is the render's while its
    source (``Document.locate(())``) is still this file and line."""


def plan_agents(context: AgentContext, found: Sequence[FoundObject] | None = None) -> AgentPlan:
    """Read every agent object of ``found`` (default: those in ``context.manifests``)."""
    from validator.agents.flux_applied import read_as_applied  # noqa: PLC0415 - imports this module

    if found is None:
        found = list(objects_in(context.root, context.manifests, AGENT_MARKERS, context.index.parsed))
    readers = _readers()
    targets: list[Target] = []
    skipped: list[Skipped] = []
    findings: list[Finding] = []
    objects: list[AgentObject] = []
    read: set[tuple[str, int]] = set()
    # HelmReleases last: a Kustomization that applies one substitutes its variables first
    # (agents/flux_applied.py)
    for item in sorted(found, key=lambda item: (item.group, item.kind) == _HELM_RELEASE):
        entry = readers.get((item.group, item.kind))
        if entry is None or not context.config.mode.reads(entry[0]):
            continue
        if (item.group, item.kind) == _HELM_RELEASE:
            result = read_as_applied(item, context, targets, entry[1])
        else:
            result = entry[1](item, context)
        targets += result.targets
        skipped += result.skipped
        findings += result.findings
        objects.append(item.agent_object())
        read.add((item.path, item.first_line))
    return AgentPlan(targets=_unique_names(targets), skipped=tuple(skipped), findings=tuple(findings),
                     objects=tuple(objects), read=frozenset(read))


def _unique_names(targets: Sequence[Target]) -> tuple[Target, ...]:
    """``targets`` with names unique in the plan: two objects of one name (an Application
    ``web`` per cluster folder, each without a namespace) are told apart by where they are."""
    counts = Counter(t.name for t in targets)
    return tuple(replace(t, name=f"{t.name} ({t.agent.where})")
                 if counts[t.name] > 1 and t.agent is not None else t for t in targets)
