"""Settings with GitLab: each platform is on when its identity is set; per project or group
webhook secrets from a YAML file, the most specific path prefix wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from validator.app.github_app import AppAuth, AppAuthError
from validator.app.gitlab_secrets import GitLabSecrets
from validator.app.settings import SettingsError, load_settings


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


GITLAB = {"GITLAB_TOKEN": "glpat-token-value", "GITLAB_WEBHOOK_SECRET": "gl-hook-secret"}


def test_gitlab_alone_needs_no_github_variables() -> None:
    settings = load_settings(GITLAB)
    assert settings.gitlab_enabled
    assert not settings.github_enabled
    assert settings.gitlab_url == "https://gitlab.com"
    assert settings.link_secret == "gl-hook-secret"
    for secret in GITLAB.values():
        assert secret not in repr(settings)


def test_a_gitlab_only_app_has_no_github_credentials() -> None:
    auth = AppAuth(load_settings(GITLAB))  # constructed (serve and worker build one), never usable
    with pytest.raises(AppAuthError, match="GitHub is not configured"):
        auth.installation_token(1)


def test_github_alone_still_works(rsa_pem: str) -> None:
    settings = load_settings({"GITHUB_APP_ID": "7", "GITHUB_APP_PRIVATE_KEY": rsa_pem,
                              "GITHUB_WEBHOOK_SECRET": "gh"})
    assert settings.github_enabled
    assert not settings.gitlab_enabled


def test_neither_platform_is_one_problem_naming_both_ways() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    (problem,) = caught.value.problems
    assert "GITHUB_APP_ID" in problem
    assert "GITLAB_TOKEN" in problem


def test_github_half_configured_names_what_is_missing() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**GITLAB, "GITHUB_APP_ID": "7"})
    problems = caught.value.problems
    assert any(p.startswith("GITHUB_WEBHOOK_SECRET is not set") for p in problems)
    assert any(p.startswith("GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_PATH is not set")
               for p in problems)
    with pytest.raises(SettingsError) as caught:
        load_settings({**GITLAB, "GITHUB_WEBHOOK_SECRET": "gh"})
    assert caught.value.problems == (
        "GITHUB_WEBHOOK_SECRET is set but GITHUB_APP_ID is not: GitHub is on only with the App's "
        "id (set GITHUB_APP_ID, or remove the GitHub values)",)


def test_gitlab_token_needs_a_webhook_secret() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITLAB_TOKEN": "glpat-x"})
    (problem,) = caught.value.problems
    assert problem.startswith("GITLAB_WEBHOOK_SECRET or GITLAB_WEBHOOK_SECRETS_FILE is not set")
    assert "glpat-x" not in problem
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITLAB_TOKEN": "", "GITLAB_WEBHOOK_SECRET": "s"})
    assert any("GITLAB_WEBHOOK_SECRET is set but GITLAB_TOKEN is not" in p for p in caught.value.problems)


def test_per_scope_secrets_from_a_file(tmp_path: Path) -> None:
    secrets = tmp_path / "hooks.yaml"
    secrets.write_text("# one secret per group or project\nplatform: group-secret\n"
                       "platform/infra/deploy: project-secret\n")
    settings = load_settings({"GITLAB_TOKEN": "t", "GITLAB_WEBHOOK_SECRETS_FILE": str(secrets)})
    assert "group-secret" not in repr(settings)
    assert "project-secret" not in repr(settings)
    scoped = settings.gitlab_secrets
    assert isinstance(scoped, GitLabSecrets)
    assert scoped.expected_for("platform/infra/deploy") == "project-secret"
    assert scoped.expected_for("platform/infra/other") == "group-secret"
    assert scoped.expected_for("Platform/apps") == "group-secret"  # GitLab paths ignore case
    assert scoped.expected_for("platformer/apps") is None  # a prefix of whole path segments only
    assert scoped.expected_for("elsewhere/x") is None
    assert "group-secret" not in repr(scoped)


def test_an_empty_secrets_file_without_the_global_secret_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "hooks.yaml"
    secrets.write_text("# nothing yet\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITLAB_TOKEN": "t", "GITLAB_WEBHOOK_SECRETS_FILE": str(secrets)})
    assert caught.value.problems == (
        f"{secrets}: no secret in the file and GITLAB_WEBHOOK_SECRET is not set: every GitLab "
        "delivery would be refused",)


def test_details_links_are_signed_even_with_only_scoped_secrets(tmp_path: Path) -> None:
    secrets = tmp_path / "hooks.yaml"
    secrets.write_text("team: s\n")
    settings = load_settings({"GITLAB_TOKEN": "glpat-t", "GITLAB_WEBHOOK_SECRETS_FILE": str(secrets)})
    assert settings.link_secret == "glpat-t"  # only ever used as an HMAC key (details_link.link_key)


def test_the_global_secret_covers_what_no_scope_does(tmp_path: Path) -> None:
    secrets = tmp_path / "hooks.yaml"
    secrets.write_text("team/app: team-secret\n")
    settings = load_settings({**GITLAB, "GITLAB_WEBHOOK_SECRETS_FILE": str(secrets)})
    assert settings.gitlab_secrets.expected_for("team/app/sub") == "team-secret"
    assert settings.gitlab_secrets.expected_for("other/x") == "gl-hook-secret"


@pytest.mark.parametrize(("text", "problem"), [
    ("- a\n- b\n", "1: expected a mapping of group or project path: secret"),
    ("group: secret\ngroup: other\n", "2 group: given twice (first on line 1)"),
    ("group:\n  nested: x\n", "1 group: expected the secret as one string"),
    ("group: ''\n", "1 group: expected a non-empty secret"),
    ("/group/: s\n", "1 /group/: expected a group or project path like group/subgroup/project"),
    ("a: [1\n", "2: not valid YAML"),
])
def test_a_bad_secrets_file_is_named_with_its_line(tmp_path: Path, text: str, problem: str) -> None:
    secrets = tmp_path / "hooks.yaml"
    secrets.write_text(text)
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITLAB_TOKEN": "t", "GITLAB_WEBHOOK_SECRETS_FILE": str(secrets)})
    assert any(p.startswith(f"{secrets}:{problem}") for p in caught.value.problems), caught.value.problems
    assert "secret\n" not in str(caught.value)
    assert "other" not in str(caught.value)


def test_a_missing_secrets_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"GITLAB_TOKEN": "t", "GITLAB_WEBHOOK_SECRETS_FILE": str(tmp_path / "nope.yaml")})
    assert caught.value.problems[0].startswith(f"GITLAB_WEBHOOK_SECRETS_FILE: cannot read '{tmp_path}")


def test_matching_compares_every_secret() -> None:
    secrets = GitLabSecrets.of({"": "global", "g/p": "project"})
    assert secrets.matches("global")
    assert secrets.matches("project")
    assert not secrets.matches("glob")
    assert not secrets.matches("")
    assert secrets.accepts("project", "g/p")
    assert not secrets.accepts("global", "g/p")
    assert secrets.accepts("global", "g/other")
    assert not secrets.accepts("project", "g/other")
