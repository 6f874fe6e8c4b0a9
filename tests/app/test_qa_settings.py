"""QA of the app's settings as a platform team meets them: values that would start a broken app
are refused at start, naming the variable (found by starting ``serve`` with them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from validator.app.settings import SettingsError, load_settings, setting_names, variable_of


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()
    return {"GITHUB_APP_ID": "42", "GITHUB_APP_PRIVATE_KEY": pem, "GITHUB_WEBHOOK_SECRET": "s3cret"}


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("GITOPS_VALIDATOR_CHECK_NAME", "", "check run's name"),
    ("GITOPS_VALIDATOR_CHECK_NAME", "   ", "check run's name"),
    ("GITOPS_VALIDATOR_LEASE_SECONDS", "nan", "finite"),
    ("GITOPS_VALIDATOR_RECONCILE_SECONDS", "nan", "finite"),
    ("GITOPS_VALIDATOR_FETCH_TIMEOUT", "inf", "finite"),
    ("GITOPS_VALIDATOR_TOKEN_MARGIN_SECONDS", "1e400", "finite"),
    ("GITHUB_API_URL", "https://", "host"),
    ("GITOPS_VALIDATOR_PUBLIC_URL", "http:///evaluations", "host"),
    ("GITOPS_VALIDATOR_REDIS_URL", "redis://", "host"),
])
def test_a_value_that_would_start_a_broken_app_is_refused(env: dict[str, str], variable: str,
                                                          value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**env, variable: value})
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{variable}: ")
    assert expected in caught.value.problems[0]


def test_a_unix_socket_redis_url_needs_no_host(env: dict[str, str]) -> None:
    settings = load_settings({**env, "GITOPS_VALIDATOR_REDIS_URL": "unix:///run/redis.sock"})
    assert settings.redis_url == "unix:///run/redis.sock"


def test_every_setting_is_documented_in_the_settings_table() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "app.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", doc, flags=re.MULTILINE))
    names = {variable_of(name) for name in setting_names()}  # derived fields are no settings
    assert names - table == set()
    assert table - names == set()
