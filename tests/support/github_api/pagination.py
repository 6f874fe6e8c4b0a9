"""Page lists as GitHub does: ``page``/``per_page`` (max 100) and a ``Link`` header."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30


def paginate(items: list[Any], query: Mapping[str, Any], url: str) -> tuple[list[Any], str | None]:
    """The requested page of ``items`` and the ``Link`` header value (None when one page)."""
    per_page = min(int(query.get("per_page", DEFAULT_PER_PAGE)), MAX_PER_PAGE)
    per_page = per_page if per_page > 0 else DEFAULT_PER_PAGE
    page = max(int(query.get("page", 1)), 1)
    last = max(math.ceil(len(items) / per_page), 1)
    chunk = items[(page - 1) * per_page:page * per_page]
    if last == 1:
        return chunk, None
    rest = {k: v for k, v in query.items() if k not in ("page", "per_page")}

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode({**rest, "per_page": per_page, "page": number})}>; rel="{rel}"'

    rels = []
    if page > 1:
        rels += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        rels += [link(page + 1, "next"), link(last, "last")]
    return chunk, ", ".join(rels) if rels else None
