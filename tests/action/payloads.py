"""Webhook payloads for the adapter's tests, derived from ../shared/github/webhooks/examples.

The shared examples are real GitHub payloads; only the SHAs, numbers and refs a test needs
are replaced, so everything else the adapter might read stays as GitHub sends it.
(``merge_group`` has no shared example: it is built from GitHub's documented fields.)
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "github" / "webhooks" / "examples"


@cache
def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return loaded


def pull_request(action: str, *, base: str, head: str, number: int = 7,
                 repository: str = "octo-org/gitops", event: str = "pull_request") -> dict[str, Any]:
    """A ``pull_request`` (or ``pull_request_target``) payload of ``action``."""
    source = "opened" if action not in {"synchronize", "reopened", "ready_for_review", "closed"} else action
    payload = copy.deepcopy(_example(f"pull_request/{source}.payload.json"))
    payload["action"] = action
    payload["number"] = number
    pr = payload["pull_request"]
    pr["number"] = number
    pr["base"]["sha"], pr["head"]["sha"] = base, head
    pr["base"]["ref"], pr["head"]["ref"] = "main", "feature"
    payload["repository"]["full_name"] = repository
    del event  # the payload is the same for pull_request_target
    return payload


def merge_group(*, base: str, head: str, action: str = "checks_requested") -> dict[str, Any]:
    """A ``merge_group`` payload (fields as GitHub documents them)."""
    sample = _example("pull_request/opened.payload.json")
    return {
        "action": action,
        "merge_group": {
            "head_sha": head, "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-" + base[:40],
            "base_sha": base, "base_ref": "refs/heads/main",
            "head_commit": {"id": head, "tree_id": "0" * 40, "message": "Merge pull request #7",
                            "timestamp": "2026-01-01T00:00:00Z",
                            "author": {"name": "Test", "email": "test@example.invalid"},
                            "committer": {"name": "Test", "email": "test@example.invalid"}},
        },
        "repository": copy.deepcopy(sample["repository"]),
        "sender": copy.deepcopy(sample["sender"]),
    }


def push(*, before: str, after: str) -> dict[str, Any]:
    """A ``push`` payload to main."""
    payload = copy.deepcopy(_example("push/payload.json"))
    payload.update(ref="refs/heads/main", before=before, after=after, deleted=after == "0" * 40,
                   created=False)
    return payload
