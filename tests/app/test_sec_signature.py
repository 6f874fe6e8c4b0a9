"""An empty webhook secret never lets a delivery through, whichever way the app was configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.app.settings import SettingsError, load_settings
from validator.app.signature import signature_of, verify

BODY = b'{"action": "opened"}'


def test_an_empty_secret_verifies_nothing() -> None:
    """Anyone can compute the HMAC under the empty key: with an ``AppSettings`` built in code
    (not through ``load_settings``), an empty secret must not make every forgery valid."""
    assert not verify("", BODY, signature_of("", BODY))


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_an_empty_or_blank_secret_is_refused_at_start(value: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET"):
        load_settings({"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY_PATH": str(tmp_path / "k.pem"),
                       "GITHUB_WEBHOOK_SECRET": value})


def test_an_empty_secret_in_the_settings_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("webhook_secret:\n")
    with pytest.raises(SettingsError, match="webhook_secret"):
        load_settings({"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY_PATH": str(tmp_path / "k.pem")}, config)
