"""One source of an Argo CD Application as its readers see it, and what they report.

:class:`AppSource` bundles the source mapping with the Application around it (the
object, its destination namespace, the ``ref`` sources of a multi-source app) so the
Helm, Kustomize and directory readers need one argument; :class:`Notes` collects their
findings and skipped entries; :func:`agent_target` builds the target every kind shares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from validator.agents.model import AgentObject
from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext
from validator.model import Finding, Skipped
from validator.render.options import FieldPath, ValueSource
from validator.render.targets import Target, TargetKind

UNIT = "Argo CD Application source"


@dataclass(kw_only=True)
class Notes:
    """Findings and skipped entries of one Application (mutable while it is read)."""

    findings: list[Finding] = dataclasses.field(default_factory=list)
    skipped: list[Skipped] = dataclasses.field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RefSource:
    """A source of a multi-source app that names a ``ref`` (its files serve ``$ref/...``)."""

    body: Mapping[str, Any]
    field: FieldPath


@dataclass(frozen=True, kw_only=True)
class AppSource:
    """One ``spec.source`` / ``spec.sources[i]`` entry, with its Application."""

    body: Mapping[str, Any]
    field: FieldPath
    """Where the source is in the Application (``("spec", "sources", 1)``)."""
    found: FoundObject
    context: AgentContext
    agent: AgentObject
    namespace: str = ""
    """``spec.destination.namespace``."""
    refs: Mapping[str, RefSource] = dataclasses.field(default_factory=dict)
    """``ref`` name -> the source that names it (multi-source apps)."""
    notes: Notes = dataclasses.field(default_factory=Notes)

    def at(self, *parts: str | int) -> FieldPath:
        """The field path of ``parts`` below the source, in the Application."""
        return (*self.field, *parts)

    def value_source(self, *parts: str | int) -> ValueSource:
        """Where ``parts`` (below the source) is written in the Application's file."""
        return ValueSource(path=self.found.path, index=self.found.index, field=self.at(*parts))


def agent_target(source: AppSource, kind: TargetKind, folder: str, inputs: Iterable[str],
                 **options: Any) -> Target:
    """The target ``source`` defines: named after the Application, reading the
    Application's file and ``inputs``, in the destination namespace."""
    agent = source.agent
    own = (agent.path,)
    return Target(kind=kind, path=folder, name=str(agent), reason=f"{agent} ({agent.where})",
                  agent=agent, namespace=options.pop("namespace", source.namespace),
                  inputs=tuple(dict.fromkeys((*own, *inputs))), **options)
