"""What one platform's deliveries bring to the shared intake pipeline (:mod:`validator.app.intake`).

A :class:`Source` names the platform's headers and supplies its three decisions: is the raw
request authentic (before parsing), which id de-duplicates it, and (after parsing) may this
credential ask for work in this payload's project. GitHub's is here; GitLab's is
:func:`validator.app.gitlab_intake.gitlab_source`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from validator.app.events import EVENTS, Decision, decide
from validator.app.settings import AppSettings
from validator.app.signature import verify

__all__ = ["Source", "github_source"]

Headers = Mapping[str, str]
"""Request headers with lower-cased names."""


@dataclass(frozen=True, kw_only=True)
class Source:
    """One platform's part of intake."""

    event_header: str
    """The lower-cased header naming the event (``x-github-event``)."""
    credential_header: str
    """The header whose absence or mismatch is answered 401 (named in the answer)."""
    required: tuple[str, ...]
    """Headers a delivery must carry once authenticated (400 otherwise)."""
    labels: frozenset[str]
    """Events counted under their own name in the deliveries metric; any other is ``other``."""
    authenticate: Callable[[Headers, bytes], bool]
    """On the raw body, before anything parses it."""
    delivery: Callable[[Headers, bytes, Mapping[str, Any]], str]
    """The id recorded for de-duplication (a redelivery carries the same), from the headers,
    the raw body and the parsed payload of an authorized delivery."""
    authorize: Callable[[Headers, Mapping[str, Any]], str | None]
    """After parsing: None, or why this credential may not ask for this payload's work (401)."""
    decide: Callable[[str, Mapping[str, Any], AppSettings], Decision]
    """The jobs the event asks for (pure)."""


def github_source(settings: AppSettings) -> Source:
    """GitHub: ``X-Hub-Signature-256`` over the body; ``X-GitHub-Delivery`` de-duplicates."""
    return Source(
        event_header="x-github-event", credential_header="X-Hub-Signature-256",
        required=("X-GitHub-Event", "X-GitHub-Delivery"), labels=frozenset(EVENTS),
        authenticate=lambda headers, body: verify(settings.webhook_secret, body,
                                                  headers.get("x-hub-signature-256")),
        delivery=lambda headers, body, payload: headers["x-github-delivery"],
        authorize=lambda headers, payload: None, decide=decide)
