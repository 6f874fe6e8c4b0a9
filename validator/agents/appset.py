"""Argo CD ``ApplicationSet`` objects expanded to Applications (work in progress).

Until the generators are expanded, an ApplicationSet's Applications are not rendered:
that is a counted entry naming the object, never silence (the object itself is still
schema- and policy-checked as a manifest).
"""

from __future__ import annotations

from validator.agents.fields import skipped
from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead

UNIT = "Argo CD ApplicationSet"


def read_application_set(found: FoundObject, context: AgentContext) -> AgentRead:
    """The targets of the Applications ``found`` (an ApplicationSet) generates."""
    return AgentRead(skipped=(skipped(
        found, (), found.agent_object(), unit=UNIT, group="ApplicationSet not expanded",
        what="the Applications it generates",
        why="ApplicationSet generators are not expanded yet"),))
