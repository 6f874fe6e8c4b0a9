"""Webhook payloads for the adapter's tests: the shared builders of tests/support/github_events.py
(derived from ../shared/github/webhooks/examples and validated against the webhook schemas),
plus the pull request actions the adapter must ignore, which those builders do not make.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.support import github_events
from tests.support.github_api.contract import shared_dir

REPOSITORY = "octo-org/gitops"


@dataclass(frozen=True, kw_only=True)
class _PullRequest:
    number: int
    base_sha: str
    head_sha: str
    base_ref: str = "main"
    head_ref: str = "feature"


@cache
def _example(name: str) -> dict[str, Any]:
    path = shared_dir() / "github" / "webhooks" / "examples" / name
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def pull_request(action: str, *, base: str, head: str, number: int = 7) -> dict[str, Any]:
    """A ``pull_request`` (or ``pull_request_target``) payload of ``action``."""
    pr = _PullRequest(number=number, base_sha=base, head_sha=head)
    if action in github_events.PULL_REQUEST_ACTIONS:
        return github_events.pull_request_event(action, REPOSITORY, pr)
    # an action the adapter ignores: GitHub's example of it (or of opened), SHAs replaced
    name = f"pull_request/{action}.payload.json"
    source = name if (shared_dir() / "github" / "webhooks" / "examples" / name).exists() \
        else "pull_request/opened.payload.json"
    payload = copy.deepcopy(_example(source))
    payload.update(action=action, number=number)
    payload["pull_request"].update(number=number)
    payload["pull_request"]["base"]["sha"], payload["pull_request"]["head"]["sha"] = base, head
    return payload


def merge_group(*, base: str, head: str, action: str = "checks_requested") -> dict[str, Any]:
    """A ``merge_group`` payload (``action`` replaced for the actions the adapter ignores)."""
    payload = github_events.merge_group_event(REPOSITORY, head_sha=head, base_sha=base)
    payload["action"] = action
    return payload


def push(*, before: str, after: str) -> dict[str, Any]:
    """A ``push`` payload to main."""
    return github_events.push_event(REPOSITORY, before=before, after=after)
