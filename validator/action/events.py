"""Which job a workflow event asks for, from its webhook payload (pure; no git, no network).

- ``pull_request`` / ``pull_request_target`` (opened, synchronize, reopened,
  ready_for_review): a diff of the pull request's ``base.sha`` against its ``head.sha``,
  reported on the head. Never ``GITHUB_SHA``: for a pull request that is a merge commit
  GitHub made, whose lines are not the ones reviewers comment on.
- ``merge_group`` (checks_requested): a diff of ``merge_group.head_sha`` against
  ``merge_group.base_sha``, reported on the head SHA (the merge queue waits for exactly that
  commit's check), without comments (there is no pull request to comment on).
- ``push``: a full check of the pushed commit (``after``); ``workflow_dispatch``: of ``GITHUB_SHA``.
- other actions of a supported event: nothing to do (the log says so, exit code 0).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.errors import UsageError

__all__ = ["ActionJob", "EventError", "JobKind", "job_for_event", "read_event"]

PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
SUPPORTED_EVENTS = ("pull_request", "pull_request_target", "merge_group", "push", "workflow_dispatch")
#: Webhook payloads are at most 25 MB (GitHub drops larger deliveries).
MAX_EVENT_BYTES = 25 * 1024 * 1024
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_DELETED = "0" * 40


class EventError(UsageError):
    """The event or its payload cannot be used; the message names the event and field."""


class JobKind(enum.StrEnum):
    """What the event asks for."""

    DIFF = "diff"
    """Compare a head with its base (pull request, merge group)."""
    CHECK = "check"
    """Check the whole repository at one commit (push, manual dispatch)."""
    NOTHING = "nothing"
    """An event action that needs no check (a pull request closed, labelled, ...)."""


@dataclass(frozen=True, kw_only=True)
class ActionJob:
    """The job of one event."""

    kind: JobKind
    """Diff, check or nothing."""
    description: str
    """One line for the log: the event, its action and the commits."""
    report_sha: str = ""
    """The commit the check run is reported on."""
    head_sha: str = ""
    """The commit checked (the head of a diff)."""
    base_sha: str = ""
    """The base of a diff; empty for a check."""
    pull_number: int | None = None
    """The pull request comments go to; None for merge groups, pushes and dispatches."""


def read_event(path: Path) -> Mapping[str, Any]:
    """The payload at ``GITHUB_EVENT_PATH``; an :class:`EventError` naming the file otherwise."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_EVENT_BYTES + 1)
    except OSError as exc:
        raise EventError(f"GITHUB_EVENT_PATH {path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_EVENT_BYTES:
        raise EventError(f"GITHUB_EVENT_PATH {path}: larger than {MAX_EVENT_BYTES} bytes")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"GITHUB_EVENT_PATH {path}: not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise EventError(f"GITHUB_EVENT_PATH {path}: not a JSON object")
    return payload


def job_for_event(name: str, payload: Mapping[str, Any], *, sha: str) -> ActionJob:
    """The job ``payload`` of event ``name`` asks for (``sha``: ``GITHUB_SHA``)."""
    match name:
        case "pull_request" | "pull_request_target":
            return _pull_request(name, payload)
        case "merge_group":
            return _merge_group(payload)
        case "push":
            return _push(payload)
        case "workflow_dispatch":
            commit = _valid_sha(sha, "workflow_dispatch", "GITHUB_SHA")
            return ActionJob(kind=JobKind.CHECK, head_sha=commit, report_sha=commit,
                             description=f"workflow_dispatch: {commit[:12]}")
        case _:
            raise EventError(f"GITHUB_EVENT_NAME {name!r} is not supported: run the action on "
                             f"{', '.join(SUPPORTED_EVENTS)}")


def _pull_request(name: str, payload: Mapping[str, Any]) -> ActionJob:
    action = payload.get("action")
    if action not in PULL_REQUEST_ACTIONS:
        return _nothing(name, action, ", ".join(sorted(PULL_REQUEST_ACTIONS)))
    pr = _object(payload, "pull_request", name)
    number = pr.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise EventError(f"{name} event: pull_request.number is not a number: {number!r}")
    base = _sha(_object(pr, "base", name, "pull_request.base"), "sha", name, "pull_request.base.sha")
    head = _sha(_object(pr, "head", name, "pull_request.head"), "sha", name, "pull_request.head.sha")
    return ActionJob(kind=JobKind.DIFF, base_sha=base, head_sha=head, report_sha=head,
                     pull_number=number,
                     description=f"{name} #{number} ({action}): {base[:12]}..{head[:12]}")


def _merge_group(payload: Mapping[str, Any]) -> ActionJob:
    action = payload.get("action")
    if action != "checks_requested":
        return _nothing("merge_group", action, "checks_requested")
    group = _object(payload, "merge_group", "merge_group")
    base = _sha(group, "base_sha", "merge_group", "merge_group.base_sha")
    head = _sha(group, "head_sha", "merge_group", "merge_group.head_sha")
    return ActionJob(kind=JobKind.DIFF, base_sha=base, head_sha=head, report_sha=head,
                     description=f"merge_group ({action}): {base[:12]}..{head[:12]}")


def _push(payload: Mapping[str, Any]) -> ActionJob:
    if payload.get("after") == _DELETED or payload.get("deleted") is True:
        return ActionJob(kind=JobKind.NOTHING,
                         description=f"push: {payload.get('ref')} was deleted: nothing to check")
    after = _sha(payload, "after", "push", "after")
    return ActionJob(kind=JobKind.CHECK, head_sha=after, report_sha=after,
                     description=f"push to {payload.get('ref')}: {after[:12]}")


def _nothing(name: str, action: object, wanted: str) -> ActionJob:
    return ActionJob(kind=JobKind.NOTHING,
                     description=f"{name} action {action!r}: nothing to check (checks run on {wanted})")


def _object(parent: Mapping[str, Any], key: str, event: str, where: str = "") -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise EventError(f"{event} event: {where or key} is missing from the payload")
    return value


def _sha(parent: Mapping[str, Any], key: str, event: str, where: str) -> str:
    return _valid_sha(parent.get(key), event, where)


def _valid_sha(value: object, event: str, where: str) -> str:
    if not isinstance(value, str) or not _SHA.fullmatch(value):  # `$` also matches before "\n"
        raise EventError(f"{event} event: {where} is not a commit SHA: {value!r}")
    return value
