"""Flux ``Kustomization`` and ``HelmRelease`` objects read into targets (work in progress)."""

from __future__ import annotations

from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead


def read_kustomization(found: FoundObject, context: AgentContext) -> AgentRead:
    """The target ``found`` (a Flux Kustomization) defines."""
    return AgentRead()


def read_helm_release(found: FoundObject, context: AgentContext) -> AgentRead:
    """The target ``found`` (a HelmRelease) defines."""
    return AgentRead()
