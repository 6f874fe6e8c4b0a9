"""A Flux ``HelmRelease`` read into the chart target it installs (work in progress)."""

from __future__ import annotations

from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead


def read_helm_release(found: FoundObject, context: AgentContext) -> AgentRead:
    """The target ``found`` (a HelmRelease) defines."""
    return AgentRead()
