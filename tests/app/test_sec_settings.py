"""Settings errors go to the terminal and to container logs: they never echo a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.app.settings import SettingsError, load_settings


@pytest.mark.parametrize("url", ["http://:hunter2-pw@redis.internal:6379/0",
                                 "redis:/default:hunter2-pw@redis.internal:6379/0"])
def test_a_mistyped_redis_url_is_refused_without_its_password(url: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"GITHUB_APP_ID": "1", "GITHUB_WEBHOOK_SECRET": "s",
                       "GITHUB_APP_PRIVATE_KEY_PATH": str(tmp_path / "k.pem"),
                       "GITOPS_VALIDATOR_REDIS_URL": url})
    message = str(refused.value)
    assert "GITOPS_VALIDATOR_REDIS_URL" in message
    assert "redis://" in message, "says what is expected"
    assert "hunter2" not in message
