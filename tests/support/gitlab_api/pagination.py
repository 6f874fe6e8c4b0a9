"""Offset pagination as GitLab does it: ``page`` and ``per_page`` (default 20, at most 100),
``X-Page``, ``X-Per-Page``, ``X-Total``, ``X-Total-Pages``, ``X-Next-Page``, ``X-Prev-Page`` and
a ``Link`` header with ``prev``/``next``/``first``/``last``
(https://docs.gitlab.com/api/rest/#pagination). python-gitlab follows ``rel="next"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def paginate(items: list[Any], params: Mapping[str, Any], url: str) -> tuple[list[Any], dict[str, str]]:
    """The requested page of ``items`` and the paging headers."""
    per_page = int(params.get("per_page", DEFAULT_PER_PAGE))
    per_page = min(per_page, MAX_PER_PAGE) if per_page > 0 else DEFAULT_PER_PAGE
    page = max(int(params.get("page", 1)), 1)
    pages = max(math.ceil(len(items) / per_page), 1)
    rest = {k: _text(v) for k, v in params.items() if k not in ("page", "per_page")}

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode({**rest, "page": number, "per_page": per_page})}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(page - 1, "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    links += [link(1, "first"), link(pages, "last")]
    headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
               "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else "",
               "X-Prev-Page": str(page - 1) if page > 1 else "", "Link": ", ".join(links)}
    return items[(page - 1) * per_page:page * per_page], headers


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
