"""What gets rendered: targets, the plan that lists them, and its text form.

A :class:`Target` is one unit a GitOps agent applies: a plain manifest file, a
Kustomize directory, or a Helm chart with one value set. A :class:`TargetPlan`
also accounts for every other file: *consumed* by a target (a base, a patch, a
template) or *ignored* (hidden, not a manifest, excluded by the configuration).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from validator.model import Finding

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


def format_plan(plan: TargetPlan) -> str:
    """The plan as text for ``gitops-validator targets``."""
    lines = [f"targets ({len(plan.targets)}):"]
    for target in plan.targets:
        extra = ""
        if target.kind is TargetKind.HELM:
            values = ", ".join(target.values_files) or "chart defaults"
            extra = (f" release={target.release_name} namespace={target.namespace}"
                     f" values=[{values}]")
        lines.append(f"  {target.kind.value:<9} {target.name}{extra}")
        lines.append(f"            {target.reason}")
    lines.append(f"consumed ({len(plan.consumed)}):")
    lines.extend(f"  {path}: {why}" for path, why in sorted(plan.consumed.items()))
    lines.append(f"ignored ({len(plan.ignored)}):")
    lines.extend(f"  {path}: {why}" for path, why in sorted(plan.ignored.items()))
    if plan.findings:
        lines.append(f"problems ({len(plan.findings)}):")
        for finding in plan.findings:
            loc = finding.location
            where = f"{loc.path}:{loc.line}" if loc.line else loc.path
            lines.append(f"  {where}: {finding.message}")
    return "\n".join(lines) + "\n"
