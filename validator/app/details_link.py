"""The details page's link: the evaluation id and a signature only this app can make.

An evaluation id is derived from public facts (repository, pull request, head SHA: see
:attr:`validator.app.model.JobSpec.evaluation_id`), and the page shows a private repository's
findings and source lines. So the link carries an HMAC of the id under a key derived from the
webhook secret: whoever can see the check run (its ``details_url``) can open the page, and
nobody can reach a page from the id alone. The page answers 404 alike for an unknown
evaluation and a wrong signature.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["link_key", "page_path", "signature_matches"]

#: Hex characters of the signature in a link (128 bits).
_SIGNATURE_CHARS = 32


def link_key(webhook_secret: str) -> bytes:
    """The key of the links, derived from the webhook secret (not the secret itself: a
    link never helps forge a delivery)."""
    return hmac.new(webhook_secret.encode(), b"gitops-validator details pages", hashlib.sha256).digest()


def page_path(evaluation_id: str, key: bytes) -> str:
    """``/evaluations/<id>/<signature>``: the page's path (the check run's ``details_url``
    is the public URL followed by it)."""
    return f"/evaluations/{evaluation_id}/{_signature(evaluation_id, key)}"


def signature_matches(evaluation_id: str, signature: str, key: bytes) -> bool:
    """Whether ``signature`` is the link's for ``evaluation_id`` (constant-time)."""
    return hmac.compare_digest(signature.encode(), _signature(evaluation_id, key).encode())


def _signature(evaluation_id: str, key: bytes) -> str:
    return hmac.new(key, evaluation_id.encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_CHARS]
