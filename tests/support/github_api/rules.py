"""Limits GitHub enforces that the OpenAPI schemas do not state.

A request breaking one is answered 422 (as GitHub does) and recorded as a violation: the
product sent something GitHub refuses, so the test must fail even if the product copes.
"""

from __future__ import annotations

from typing import Any

from tests.support.github_api.exchange import RuleError

MAX_COMMENT_BODY = 65536
"""Characters in an issue comment, review body or review comment body."""

_BODIES = {"issues/create-comment", "issues/update-comment", "pulls/create-review-comment",
           "pulls/update-review-comment", "pulls/create-review", "pulls/update-review"}


def check(operation: str, body: Any) -> None:
    """Raise :class:`RuleError` when ``body`` breaks a limit of ``operation``."""
    if operation not in _BODIES or not isinstance(body, dict):
        return
    texts = [("body", body.get("body"))]
    texts += [(f"comments[{n}].body", c.get("body")) for n, c in enumerate(body.get("comments") or [])
              if isinstance(c, dict)]
    for field, text in texts:
        if isinstance(text, str) and len(text) > MAX_COMMENT_BODY:
            raise RuleError(f"{field} is too long (maximum is {MAX_COMMENT_BODY} characters)")
