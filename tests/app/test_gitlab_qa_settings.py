"""QA: GitLab settings a platform engineer gets wrong when following docs/gitlab.md.

``GITLAB_URL`` is the instance (``https://gitlab.example.com``); the app adds ``/api/v4``.
GitLab's own pages and CI (``CI_API_V4_URL``) show the API URL, so it is the value people
paste: the app then called ``.../api/v4/api/v4/...`` and every job failed with a 404 read as
"a project the token cannot see". It is refused at start, naming the variable and the fix."""

from __future__ import annotations

import pytest

from validator.app.settings import SettingsError, load_settings

GITLAB = {"GITLAB_TOKEN": "glpat-token-value", "GITLAB_WEBHOOK_SECRET": "gl-hook-secret"}


@pytest.mark.parametrize("url", ["https://gitlab.example.com/api/v4", "https://gitlab.example.com/api/v4/",
                                 "https://example.com/gitlab/api/v4"])
def test_an_api_url_as_gitlab_url_is_refused_naming_the_instance(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**GITLAB, "GITLAB_URL": url})
    message = str(caught.value)
    assert "GITLAB_URL" in message
    assert url.rstrip("/").removesuffix("/api/v4") in message  # what to set instead
    assert "glpat-token-value" not in message


def test_an_instance_under_a_path_is_accepted() -> None:
    assert load_settings({**GITLAB, "GITLAB_URL": "https://example.com/gitlab/"}).gitlab_url == (
        "https://example.com/gitlab")
