"""Argo CD ``ApplicationSet`` objects expanded to Applications (work in progress)."""

from __future__ import annotations

from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead


def read_application_set(found: FoundObject, context: AgentContext) -> AgentRead:
    """The targets of the Applications ``found`` (an ApplicationSet) generates."""
    return AgentRead()
