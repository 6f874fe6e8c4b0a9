"""The app's settings: environment over file over defaults, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from validator.app.settings import AppSettings, Drafts, SettingsError, load_settings
from validator.errors import UsageError


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture
def env(rsa_pem: str) -> dict[str, str]:
    return {"GITHUB_APP_ID": "42", "GITHUB_APP_PRIVATE_KEY": rsa_pem, "GITHUB_WEBHOOK_SECRET": "s3cret-value"}


def test_environment_alone_gives_the_defaults_for_the_rest(env: dict[str, str], rsa_pem: str) -> None:
    settings = load_settings(env)
    assert settings.app_id == 42
    assert settings.private_key == rsa_pem
    assert settings.webhook_secret == "s3cret-value"
    assert settings.workers == AppSettings(app_id=1, private_key="", webhook_secret="").workers
    assert settings.api_url == "https://api.github.com"


def test_secrets_never_appear_in_repr(env: dict[str, str], rsa_pem: str) -> None:
    text = repr(load_settings(env))
    assert "s3cret-value" not in text
    assert "PRIVATE KEY" not in text
    assert rsa_pem[40:80] not in text


def test_environment_beats_file_beats_defaults(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("workers: 5\ndrafts: check\nretention_days: 7\napi_url: https://ghe.example/api/v3/\n")
    settings = load_settings({**env, "GITOPS_VALIDATOR_WORKERS": "3"}, config)
    assert settings.workers == 3
    assert settings.drafts is Drafts.CHECK
    assert settings.retention_days == 7
    assert settings.api_url == "https://ghe.example/api/v3"
    assert settings.max_attempts == 3


def test_the_file_can_be_named_by_the_environment(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\nredis_url: redis://127.0.0.1:6380/0\n")
    settings = load_settings({**env, "GITOPS_VALIDATOR_APP_CONFIG": str(config)})
    assert settings.data_dir == tmp_path / "data"
    assert settings.redis_url == "redis://127.0.0.1:6380/0"


def test_private_key_from_a_path(env: dict[str, str], rsa_pem: str, tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text(rsa_pem)
    del env["GITHUB_APP_PRIVATE_KEY"]
    assert load_settings({**env, "GITHUB_APP_PRIVATE_KEY_PATH": str(key)}).private_key == rsa_pem


def test_every_problem_is_reported_at_once_with_its_source(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("workers: many\n\nlease_seconds: -1\ncolour: blue\nredis_url: http://x\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITOPS_VALIDATOR_MAX_ATTEMPTS": "0", "GITOPS_VALIDATOR_DRAFTS": "maybe"}, config)
    problems = caught.value.problems
    assert isinstance(caught.value, UsageError)
    assert f"{config}:1 workers: expected an integer, got 'many'" in problems
    assert f"{config}:3 lease_seconds: expected a positive number, got '-1'" in problems
    assert any(p.startswith(f"{config}:4 colour: unknown setting") for p in problems)
    assert (f"{config}:5 redis_url: expected a URL starting with redis:// or rediss:// or unix://, "
            "got 'http://x'") in problems
    assert "GITOPS_VALIDATOR_MAX_ATTEMPTS: expected a positive number, got '0'" in problems
    assert "GITOPS_VALIDATOR_DRAFTS: expected one of skip, check, got 'maybe'" in problems
    # neither platform configured: one problem naming both ways (GitHub became optional)
    assert any(p.startswith("neither GitHub nor GitLab is configured: set GITHUB_APP_ID") for p in problems)
    assert len(problems) == 7


def test_a_key_that_is_not_a_pem_rsa_key_is_refused(env: dict[str, str]) -> None:
    for bad in ("not a key", _pem(ec.generate_private_key(ec.SECP256R1()))):
        with pytest.raises(SettingsError) as caught:
            load_settings({**env, "GITHUB_APP_PRIVATE_KEY": bad})
        assert caught.value.problems == ("GITHUB_APP_PRIVATE_KEY: expected the App's private key, a PEM "
                                         "'RSA PRIVATE KEY' as GitHub generates it (the value is not one)",)
        assert bad not in str(caught.value)


def test_an_unreadable_key_file_and_bad_yaml_are_named(env: dict[str, str], tmp_path: Path) -> None:
    del env["GITHUB_APP_PRIVATE_KEY"]
    config = tmp_path / "app.yaml"
    config.write_text("workers: [1\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({**env, "GITHUB_APP_PRIVATE_KEY_PATH": str(tmp_path / "missing.pem")}, config)
    first, second = caught.value.problems
    assert first.startswith(f"{config}:2: not valid YAML")
    assert second.startswith(f"GITHUB_APP_PRIVATE_KEY_PATH: cannot read '{tmp_path / 'missing.pem'}'")
