"""GitLab's part of intake: ``X-Gitlab-Token``, scopes, and the id that de-duplicates a delivery.

GitLab sends the hook's secret token as it is in ``X-Gitlab-Token``
(https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers); it is compared
in constant time with every configured secret before the body is parsed, then, once the
payload's project is known, with the secret of the most specific group or project covering it
(:class:`~validator.app.gitlab_secrets.GitLabSecrets`).

De-duplication: ``Idempotency-Key`` when present (GitLab 17.4+ sends one per event and keeps it
when a delivery is retried or resent: gitlab-org/gitlab!160952), under the payload's project
path: the sender chooses the key, and a per-scope secret's holder must not make another
project's delivery a duplicate. A key is recorded only for an authentic delivery its secret
may make that queued work. Otherwise
``X-Gitlab-Event-UUID`` together with a hash of the body: that UUID is shared by every hook an
originating request triggers (one push updating two merge requests sends two hooks with the same
UUID), so alone it would drop the second. Without either header (an older GitLab) the hash of
the body alone: GitLab resends the stored body unchanged, and distinct events differ in it (ids,
``updated_at``). Such deliveries are processed, not refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from validator.app.gitlab_events import GITLAB_EVENT_LABELS, decide_gitlab, project_path
from validator.app.intake_source import Headers, Source
from validator.app.settings import AppSettings

__all__ = ["delivery_id", "gitlab_source"]


_MAX_KEY = 100


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def delivery_id(headers: Headers, body: bytes, payload: Mapping[str, Any]) -> str:
    """The de-duplication id of a GitLab delivery (``gitlab:`` and the key; see above)."""
    key = headers.get("idempotency-key", "").strip()
    if key:  # a UUID from GitLab; anything much longer is stored by its hash
        # the key is the sender's to choose: kept apart per project (what a per-scope secret
        # is checked against), one team's deliveries never make another's a duplicate
        project = (project_path(payload) or "").lower()
        key = key if len(key) <= _MAX_KEY else f"key:{_digest(key.encode())}"
        return f"gitlab:{project}:{key}" if project else f"gitlab:{key}"
    digest = _digest(body)
    uuid = headers.get("x-gitlab-event-uuid", "").strip()[:_MAX_KEY]
    return f"gitlab:{uuid}:{digest}" if uuid else f"gitlab:body:{digest}"


def gitlab_source(settings: AppSettings) -> Source:
    """GitLab deliveries under ``settings``' secrets."""
    secrets = settings.gitlab_secrets

    def authorize(headers: Headers, payload: Mapping[str, Any]) -> str | None:
        project = project_path(payload)
        if project is None or secrets.accepts(headers.get("x-gitlab-token"), project):
            return None  # no project: nothing of it can ask for work (decide_gitlab needs one)
        return f"X-Gitlab-Token is not the webhook secret of {project}"

    return Source(
        event_header="x-gitlab-event", credential_header="X-Gitlab-Token", required=("X-Gitlab-Event",),
        labels=GITLAB_EVENT_LABELS,
        authenticate=lambda headers, body: secrets.matches(headers.get("x-gitlab-token")),
        delivery=delivery_id, authorize=authorize, decide=decide_gitlab)
