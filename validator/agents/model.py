"""The value types of the agent stage: which object defined a target, and the agent settings."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class AgentMode(enum.StrEnum):
    """Which agents' objects become targets (``agents:`` in the configuration file)."""

    AUTO = "auto"
    """Argo CD and Flux objects alike."""
    ARGOCD = "argocd"
    """Only Argo CD ``Application`` and ``ApplicationSet`` objects."""
    FLUX = "flux"
    """Only Flux ``Kustomization`` and ``HelmRelease`` objects."""
    OFF = "off"
    """None: folders and charts are rendered on their own terms only."""

    def reads(self, agent: str) -> bool:
        """Whether objects of ``agent`` (``argocd`` or ``flux``) are read in this mode."""
        return self is AgentMode.AUTO or self.value == agent


@dataclass(frozen=True, kw_only=True)
class AgentObject:
    """The agent object a target comes from: shown in reports and ``targets``."""

    kind: str
    """``Application``, ``Kustomization``, ``HelmRelease`` (an ApplicationSet's are
    ``Application``, with ``generated_by`` set)."""
    namespace: str
    """``metadata.namespace`` (empty when the object sets none)."""
    name: str
    """``metadata.name``."""
    path: str
    """Repository-relative file that holds the object (for a generated Application: the
    ApplicationSet's file)."""
    line: int
    """Line of the object's first key in that file."""
    index: int = 0
    """Index of the object's document in the file."""
    generated_by: str = ""
    """``ApplicationSet argocd/apps`` for an Application a generator made; empty otherwise."""
    parent: str = ""
    """``Application argocd/root`` when the object came out of another target's render
    (app of apps); empty for objects in the repository's files."""

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"

    @property
    def where(self) -> str:
        """``clusters/prod/web.yaml:8``."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class ClusterConfig:
    """A cluster an ApplicationSet cluster generator yields (``clusters:`` in the config)."""

    name: str
    server: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AgentConfig:
    """The agent settings of the configuration file."""

    mode: AgentMode = AgentMode.AUTO
    repository_urls: tuple[str, ...] = ()
    """URLs that name this repository besides its git remotes (``repository_urls:``)."""
    clusters: tuple[ClusterConfig, ...] = ()
    max_depth: int = 3
    """How many levels of Applications rendered out of Applications are followed."""
