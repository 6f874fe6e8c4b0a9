"""What a webhook delivery asks for, and the payload readers both platforms' event modules share.

:mod:`validator.app.events` (GitHub) and :mod:`validator.app.gitlab_events` (GitLab) are pure
functions from a payload to a :class:`Decision`; each field is read through the readers here,
which name the dotted path of a missing or wrongly shaped field (the 400 answer's text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from validator.app.model import JobSpec
from validator.app.settings import AppSettings

__all__ = ["Decision", "Handler", "MalformedError", "decide_with", "field_at", "list_at", "obj",
           "positive_at", "sha_at", "text_at"]

_SHA = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})")


@dataclass(frozen=True, kw_only=True)
class Decision:
    """What a delivery asks for."""

    jobs: tuple[JobSpec, ...]
    note: str
    """Why these jobs, or why none (logged; the answer's text)."""
    malformed: bool = False
    """The payload lacks a field the event needs or has one of the wrong shape."""


class MalformedError(Exception):
    """A field is missing or of the wrong shape; the message names its path."""


Handler = Callable[[Mapping[str, Any], AppSettings], Decision]
"""One event's decision: its payload and the settings to the jobs it asks for."""


def decide_with(handlers: Mapping[str, Handler], event: str, payload: Mapping[str, Any],
                settings: AppSettings) -> Decision:
    """The jobs ``event`` with ``payload`` asks for, by its handler; an event without one asks
    for nothing, and a malformed payload is a note (never an exception)."""
    handler = handlers.get(event)
    if handler is None:
        return Decision(jobs=(), note=f"{event}: not an event the app acts on")
    try:
        return handler(payload, settings)
    except MalformedError as err:
        return Decision(jobs=(), note=f"malformed {event} payload: {err}", malformed=True)


def obj(data: object, path: str) -> Mapping[str, Any]:
    """``data`` as an object, or :class:`MalformedError` naming ``path``."""
    if not isinstance(data, Mapping):
        raise MalformedError(f"{path}: expected an object")
    return data


def field_at(data: Mapping[str, Any], path: str) -> object:
    """The value at the dotted ``path`` (None when a part is missing); a part that is not an
    object is named by its own path."""
    value: object = data
    parts = path.split(".")
    for index, part in enumerate(parts):
        value = obj(value, ".".join(parts[:index]) or "payload").get(part)
        if value is None:
            return None
    return value


def text_at(data: Mapping[str, Any], path: str, *, optional: bool = False) -> str:
    """The string at ``path`` (``""`` when missing and ``optional``)."""
    value = field_at(data, path)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise MalformedError(f"{path}: expected a string")
    return value


def positive_at(data: Mapping[str, Any], path: str) -> int:
    """The positive integer at ``path`` (ids, numbers)."""
    value = field_at(data, path)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MalformedError(f"{path}: expected a positive integer")
    return value


def sha_at(data: Mapping[str, Any], path: str) -> str:
    """The full commit SHA at ``path`` (SHA-1 or SHA-256, lower case)."""
    value = field_at(data, path)
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise MalformedError(f"{path}: expected a 40 or 64 hex digit SHA")
    return value


def list_at(data: Mapping[str, Any], path: str) -> Sequence[Any]:
    """The list at ``path``."""
    value = field_at(data, path)
    if not isinstance(value, list):
        raise MalformedError(f"{path}: expected a list")
    return value
