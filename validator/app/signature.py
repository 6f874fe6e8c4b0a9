"""``X-Hub-Signature-256``: the HMAC-SHA256 of the raw body under the webhook secret.

Checked on the bytes as received, before anything parses them, with a constant-time compare
(``hmac.compare_digest``) so the answer time says nothing about how much of a forgery matched.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["PREFIX", "signature_of", "verify"]

PREFIX = "sha256="


def signature_of(secret: str, body: bytes) -> str:
    """The header value GitHub sends for ``body`` (``sha256=`` and the lowercase hex digest)."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret``; never under an empty
    secret (anyone can sign with it; settings refuse one, and this holds for any caller)."""
    if not secret or not header or not header.startswith(PREFIX) or not header.isascii():
        return False
    return hmac.compare_digest(signature_of(secret, body).encode(), header.encode())
