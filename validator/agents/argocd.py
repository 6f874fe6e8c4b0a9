"""Argo CD ``Application`` objects read into targets (see the issue; work in progress)."""

from __future__ import annotations

from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead


def read_application(found: FoundObject, context: AgentContext) -> AgentRead:
    """The targets ``found`` (an Application) defines."""
    return AgentRead()
