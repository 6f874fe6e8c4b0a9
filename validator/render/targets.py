"""What gets rendered: targets and the plan that lists them (printed by :mod:`plan_output`).

A :class:`Target` is one unit a GitOps agent applies: a plain manifest file, a
Kustomize directory, or a Helm chart with one value set. A :class:`TargetPlan`
also accounts for every other file: *consumed* by a target (a base, a patch, a
template) or *ignored* (hidden, not a manifest, excluded by the configuration).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from validator.model import Finding, Skipped
from validator.render.options import DirectoryOptions, HelmOptions, KustomizeOptions, Substitution

if TYPE_CHECKING:
    from validator.agents.model import AgentObject

#: Ends every reason for a manifest file no target applies (a reviewer may have forgotten it).
NOT_APPLIED = "(not applied)"


class TargetKind(enum.StrEnum):
    """How a target is rendered."""

    PLAIN = "plain"
    """A YAML or JSON file applied as it is."""
    KUSTOMIZE = "kustomize"
    """A directory built with ``kustomize build``."""
    HELM = "helm"
    """A chart rendered with ``helm template`` and one value set."""
    DIRECTORY = "directory"
    """An Argo CD directory source: the manifest files of a folder, as they are."""


@dataclass(frozen=True, kw_only=True)
class Target:
    """One thing to render."""

    kind: TargetKind
    """How it is rendered."""
    path: str
    """Repository-relative file (plain) or directory (kustomize, helm)."""
    name: str
    """Unique name in reports: the path, or ``chart@values`` for a chart's value set."""
    reason: str
    """Why it is a target (discovered how, or declared where)."""
    release_name: str = ""
    """Helm: the release name."""
    namespace: str = ""
    """Helm: ``--namespace``."""
    values_files: tuple[str, ...] = ()
    """Helm: repository-relative values files, in order."""
    inputs: tuple[str, ...] = ()
    """Repository-relative files this target reads (a change to any of them affects it)."""
    agent: AgentObject | None = None
    """The Argo CD or Flux object that defined this target (None: discovered or declared)."""
    helm: HelmOptions | None = None
    """Helm: the agent object's options beyond release, namespace and values files."""
    kustomize: KustomizeOptions | None = None
    """Kustomize: the agent object's overrides."""
    directory: DirectoryOptions | None = None
    """Directory: the files and namespace of an Argo CD directory source."""
    substitution: Substitution | None = None
    """Flux ``postBuild`` substitution applied to the rendered objects."""
    plan_inputs: tuple[str, ...] = ()
    """Files among ``inputs`` that shaped this target's definition itself, not only its
    render (the files an ApplicationSet's git files generator read): when one changes,
    ``diff`` plans the base on its own instead of reusing the head's plan."""


@dataclass(frozen=True, kw_only=True)
class TargetPlan:
    """The targets to render and what happened to every other file."""

    targets: tuple[Target, ...]
    """Sorted by path, then name."""
    consumed: Mapping[str, str] = field(default_factory=dict)
    """Files read through a target rather than on their own: path -> which target and how."""
    ignored: Mapping[str, str] = field(default_factory=dict)
    """Files neither rendered nor consumed: path -> why."""
    findings: tuple[Finding, ...] = ()
    """Problems found while planning (a symlink leaving the repository, a remote base...)."""
    skipped: tuple[Skipped, ...] = ()
    """What agent objects deploy that is not rendered (another repository, a remote chart
    that is not allowed...), each naming the object and why."""
    agent_documents: frozenset[tuple[str, int]] = frozenset()
    """``(file, first line)`` of every agent object the plan read (their sources are
    accounted for by ``targets`` and ``skipped``): matched against where a rendered
    object comes from, so a copy another target renders counts as read too."""
    agent_objects: tuple[AgentObject, ...] = ()
    """Every agent object the plan read (an Application rendered out of a target that is
    one of these is not read again: app of apps)."""
    selection: tuple[str, ...] = (".",)
    """The repository-relative paths planned for; ``targets`` holds those under them and
    those outside that read a file under them (``check`` renders both)."""

    def under_selection(self, target: Target) -> bool:
        """Whether ``target`` lies under one of the selected paths (not just reads from them)."""
        return any(s in (".", target.path) or target.path.startswith(s.rstrip("/") + "/")
                   for s in self.selection)
