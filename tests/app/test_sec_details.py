"""The details page holds a (possibly private) repository's findings and source lines."""

from __future__ import annotations

from pathlib import Path

import flask

from tests.app.test_details_page import _KEY, _client
from validator.app.details_link import page_path


def test_no_cache_may_store_a_page(tmp_path: Path) -> None:
    """``no-cache`` lets a shared cache (a CDN, the single sign-on proxy) keep the page and
    only revalidate it; ``no-store`` keeps it out of every cache, and ``private`` out of
    shared ones even for a cache that ignores ``no-store``."""
    client: flask.testing.FlaskClient = _client(tmp_path)
    for path in (page_path("0123456789abcdef0123", _KEY), "/evaluations/0123456789abcdef0123/00"):
        directives = {d.strip() for d in client.get(path).headers["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, path
