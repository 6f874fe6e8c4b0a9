"""Which jobs a GitLab webhook delivery asks for: pure, no I/O (as :mod:`validator.app.events`).

``Merge Request Hook``: ``open``, ``reopen`` and ``update`` with new commits (``oldrev``
present) of an opened merge request ask for a :class:`~validator.app.model.JobSpec` with
``platform=gitlab``; drafts follow ``GITOPS_VALIDATOR_DRAFTS`` (docs/gitlab.md). Every other
event and action is acknowledged (2xx) and ignored: GitLab disables a hook that fails
repeatedly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from validator.app.events import Decision
from validator.app.settings import AppSettings

__all__ = ["GITLAB_EVENTS", "decide_gitlab"]

#: The ``X-Gitlab-Event`` values the app acts on (others are answered 2xx and ignored).
GITLAB_EVENTS = frozenset({"Merge Request Hook", "Note Hook"})


def decide_gitlab(event: str, payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    """The jobs ``event`` (``X-Gitlab-Event``) with ``payload`` asks for under ``settings``."""
    raise NotImplementedError
