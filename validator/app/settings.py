"""The webhook app's settings: environment variables over an optional file over defaults.

:class:`AppSettings` is the one resolved, validated value every part of the app receives;
``load_settings`` (below) reads it and refuses a bad value at start with a message naming the
variable or the file and key. Secrets (the private key, the webhook secret) never appear in a
``repr`` or a log line.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from validator.app.gitlab_secrets import GitLabSecrets, read_secrets_file
from validator.change.block import Block
from validator.errors import UsageError
from validator.scm import markers
from validator.scm.outcome import CommentMode

__all__ = ["CONFIG_VARIABLE", "AppSettings", "Drafts", "SettingsError", "load_settings", "variable_of"]


class Drafts(enum.StrEnum):
    """What the app does with a draft pull request."""

    SKIP = "skip"
    """Not evaluated until it is marked ready for review (``ready_for_review`` runs it)."""
    CHECK = "check"
    """Evaluated like any other pull request."""


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """Everything the app is configured with (see docs/app.md for each variable)."""

    app_id: int = 0
    """``GITHUB_APP_ID``; 0: GitHub is off (a GitLab-only app)."""
    private_key: str = field(default="", repr=False)
    """``GITHUB_APP_PRIVATE_KEY`` (PEM) or the file ``GITHUB_APP_PRIVATE_KEY_PATH`` names."""
    webhook_secret: str = field(default="", repr=False)
    """``GITHUB_WEBHOOK_SECRET``: the HMAC key of ``X-Hub-Signature-256``."""
    api_url: str = "https://api.github.com"
    """``GITHUB_API_URL``: GitHub Enterprise Server's ``https://HOST/api/v3``, or a test server."""
    data_dir: Path = Path("gitops-validator-data")
    """``GITOPS_VALIDATOR_DATA_DIR``: the SQLite queue and evaluations, the repository mirrors."""
    public_url: str = ""
    """``GITOPS_VALIDATOR_PUBLIC_URL``: where reviewers reach this app (details pages); empty:
    check runs carry no ``details_url``."""
    redis_url: str = ""
    """``GITOPS_VALIDATOR_REDIS_URL``: empty for the embedded SQLite queue; ``redis://...`` to
    share the queue, de-duplication and evaluations between replicas and workers."""
    workers: int = 2
    """Worker threads ``serve`` runs beside the web server (0: intake only)."""
    max_body_bytes: int = 25 * 1024 * 1024
    """Largest webhook body accepted (GitHub caps deliveries at 25 MB)."""
    lease_seconds: float = 120.0
    """How long a worker's claim on a job lasts without a heartbeat before another may take it."""
    max_attempts: int = 3
    """Attempts of one job before it is reported as failed on its check run (poison)."""
    drafts: Drafts = Drafts.SKIP
    check_name: str = markers.DEFAULT_CHECK
    comments: CommentMode = CommentMode.REVIEW
    max_comments: int = 20
    block: Block = Block.NEW
    fetch_timeout: float = 300.0
    """Seconds one git fetch of a repository may take."""
    max_repository_bytes: int = 2 * 1024 * 1024 * 1024
    """Largest mirror of one repository kept (a fetch beyond it fails the job, reported)."""
    retention_days: int = 30
    """Evaluations older than this are deleted."""
    reconcile_seconds: float = 900.0
    """Interval of the reconciliation sweep in ``serve`` and ``worker``, one process per round
    (0: off; ``reconcile`` runs it once)."""
    reconcile_max_repositories: int = 500
    """Repositories one reconciliation sweep looks at, at most (the rest wait for a later one)."""
    reconcile_max_pulls: int = 1000
    """Open pull requests one sweep looks at, at most (one check-runs request each)."""
    token_margin_seconds: float = 300.0
    """An installation token is renewed when it has less than this left."""
    gitlab_url: str = "https://gitlab.com"
    """``GITLAB_URL``: the GitLab instance (its REST API is ``GITLAB_URL/api/v4``)."""
    gitlab_token: str = field(default="", repr=False)
    """``GITLAB_TOKEN``: a project, group or bot (service account) access token with the
    ``api`` scope (statuses, discussions, notes) that can read the repositories; empty:
    GitLab is off."""
    gitlab_webhook_secret: str = field(default="", repr=False)
    """``GITLAB_WEBHOOK_SECRET``: the secret token every GitLab hook sends as
    ``X-Gitlab-Token`` (per project or group secrets: docs/gitlab.md)."""
    gitlab_webhook_secrets_file: str = ""
    """``GITLAB_WEBHOOK_SECRETS_FILE``: a YAML mapping of group or project path to the secret
    of its hooks; the most specific path covering a project wins (docs/gitlab.md)."""
    gitlab_webhook_scopes: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    """The ``(path, secret)`` pairs read from ``gitlab_webhook_secrets_file`` (not a setting of
    its own: ``load_settings`` fills it)."""

    @property
    def github_enabled(self) -> bool:
        """The GitHub App is configured (``GITHUB_APP_ID``)."""
        return self.app_id > 0

    @property
    def gitlab_enabled(self) -> bool:
        """GitLab is configured (``GITLAB_TOKEN``)."""
        return bool(self.gitlab_token)

    @functools.cached_property
    def gitlab_secrets(self) -> GitLabSecrets:
        """Every GitLab webhook secret by scope: ``GITLAB_WEBHOOK_SECRET`` covers every project,
        the file's entries their group or project."""
        return GitLabSecrets.of({"": self.gitlab_webhook_secret, **dict(self.gitlab_webhook_scopes)})

    @property
    def link_secret(self) -> str:
        """The key the details pages' links are signed with: the GitHub webhook secret, or the
        GitLab one in a GitLab-only app (its token when only per-scope secrets are set: the key
        is derived from it by HMAC, never shown)."""
        return self.webhook_secret or self.gitlab_webhook_secret or self.gitlab_token


class SettingsError(UsageError):
    """The app's configuration is invalid: one line per problem, each naming its source
    (the environment variable, or ``file:line key``) and what is expected."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid app configuration:\n  " + "\n  ".join(self.problems))


#: The variable naming the settings file when ``--config`` is not given.
CONFIG_VARIABLE = "GITOPS_VALIDATOR_APP_CONFIG"
#: GitHub's own names for the App's identity (as GitHub's docs and other Apps spell them).
_GITHUB_VARIABLES = {"app_id": "GITHUB_APP_ID", "private_key": "GITHUB_APP_PRIVATE_KEY",
                     "private_key_path": "GITHUB_APP_PRIVATE_KEY_PATH",
                     "webhook_secret": "GITHUB_WEBHOOK_SECRET", "api_url": "GITHUB_API_URL",
                     "gitlab_url": "GITLAB_URL", "gitlab_token": "GITLAB_TOKEN",
                     "gitlab_webhook_secret": "GITLAB_WEBHOOK_SECRET",
                     "gitlab_webhook_secrets_file": "GITLAB_WEBHOOK_SECRETS_FILE"}
#: Filled by ``load_settings`` from other settings, never given themselves.
_DERIVED = frozenset({"gitlab_webhook_scopes"})
_POSITIVE = {"max_body_bytes", "lease_seconds", "max_attempts", "max_comments", "fetch_timeout",
             "max_repository_bytes", "retention_days", "reconcile_max_repositories",
             "reconcile_max_pulls"}
_NON_NEGATIVE = {"workers", "reconcile_seconds", "token_margin_seconds"}


def variable_of(name: str) -> str:
    """The environment variable of the setting ``name`` (a field, or ``private_key_path``)."""
    return _GITHUB_VARIABLES.get(name, f"GITOPS_VALIDATOR_{name.upper()}")


def setting_names() -> tuple[str, ...]:
    """Every name the file and the environment accept (the fields plus ``private_key_path``)."""
    return (*(f.name for f in fields(AppSettings) if f.name not in _DERIVED), "private_key_path")


@dataclass(frozen=True)
class _Raw:
    """One value as given, and where (``GITOPS_VALIDATOR_WORKERS`` or ``app.yaml:3 workers``)."""

    text: str
    source: str


def load_settings(environ: Mapping[str, str], file: Path | None = None) -> AppSettings:
    """Resolve the settings: ``environ`` beats ``file`` (or the file ``GITOPS_VALIDATOR_APP_CONFIG``
    names) beats the defaults. Every problem is reported at once in one :class:`SettingsError`."""
    problems: list[str] = []
    if file is None and environ.get(CONFIG_VARIABLE):
        file = Path(environ[CONFIG_VARIABLE])
    raw = _read_file(file, problems) if file is not None else {}
    for name in setting_names():
        value = environ.get(variable_of(name))
        if value is not None:
            raw[name] = _Raw(value, variable_of(name))
    values = _convert(raw, problems)
    _require_platforms(raw, values, problems)
    if problems:
        raise SettingsError(problems)
    return AppSettings(**values)


def _given(raw: Mapping[str, _Raw], name: str) -> bool:
    return name in raw and bool(raw[name].text.strip())


def _require_platforms(raw: Mapping[str, _Raw], values: dict[str, Any], problems: list[str]) -> None:
    """GitHub is on when ``GITHUB_APP_ID`` is set, GitLab when ``GITLAB_TOKEN`` is; each then
    needs the rest of its identity, and at least one must be on. A platform's other values
    given without its switch are refused: a half-configured platform would silently be off."""
    github, gitlab = _given(raw, "app_id"), _given(raw, "gitlab_token")
    if not github and not gitlab:
        problems.append(f"neither GitHub nor GitLab is configured: set {variable_of('app_id')} "
                        f"(with the App's key and webhook secret) for a GitHub App, or "
                        f"{variable_of('gitlab_token')} (with {variable_of('gitlab_webhook_secret')}) "
                        "for GitLab, or both (docs/app.md, docs/gitlab.md)")
    for switch, on, others in (("app_id", github, ("webhook_secret", "private_key", "private_key_path")),
                               ("gitlab_token", gitlab, ("gitlab_webhook_secret",
                                                         "gitlab_webhook_secrets_file"))):
        for name in others if not on else ():
            if _given(raw, name):
                problems.append(f"{raw[name].source} is set but {variable_of(switch)} is not: "
                                f"{_PLATFORM[switch]} is on only with {_EXPECTED[switch]} (set "
                                f"{variable_of(switch)}, or remove the {_PLATFORM[switch]} values)")
    if github:
        _read_private_key(raw, values, problems)
        if "webhook_secret" not in raw:
            problems.append(f"{variable_of('webhook_secret')} is not set: {_EXPECTED['webhook_secret']}")
    if gitlab:
        _read_gitlab_secrets(raw, values, problems)


def _read_gitlab_secrets(raw: Mapping[str, _Raw], values: dict[str, Any], problems: list[str]) -> None:
    """The per-scope secrets file, if named; GitLab needs it or the app-wide secret."""
    file = raw.get("gitlab_webhook_secrets_file")
    if file is not None and file.text.strip():
        before = len(problems)
        scopes = read_secrets_file(Path(file.text.strip()), file.source, problems)
        values["gitlab_webhook_scopes"] = scopes
        if not scopes and len(problems) == before and not _given(raw, "gitlab_webhook_secret"):
            problems.append(f"{file.text.strip()}: no secret in the file and "
                            f"{variable_of('gitlab_webhook_secret')} is not set: every GitLab "
                            "delivery would be refused")
    elif not _given(raw, "gitlab_webhook_secret"):
        problems.append(f"{variable_of('gitlab_webhook_secret')} or "
                        f"{variable_of('gitlab_webhook_secrets_file')} is not set: expected "
                        f"{_EXPECTED['gitlab_webhook_secret']}")


def _read_file(file: Path, problems: list[str]) -> dict[str, _Raw]:
    """The file's top-level keys with their lines; each value must be a scalar."""
    try:
        node = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as err:
        problems.append(f"{file}: cannot read the settings file ({err.strerror or err})")
        return {}
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 0
        problems.append(f"{file}:{line}: not valid YAML ({err.problem})")
        return {}
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{file}:{node.start_mark.line + 1}: expected a mapping of setting: value")
        return {}
    known = set(setting_names())
    raw: dict[str, _Raw] = {}
    for key, value in node.value:
        where = f"{file}:{key.start_mark.line + 1} {key.value}"
        if key.value not in known:
            problems.append(f"{where}: unknown setting (known: {', '.join(sorted(known))})")
        elif not isinstance(value, yaml.ScalarNode):
            problems.append(f"{where}: expected a single value, not a list or mapping")
        else:
            raw[str(key.value)] = _Raw(str(value.value), where)
    return raw


def _convert(raw: Mapping[str, _Raw], problems: list[str]) -> dict[str, Any]:
    """Each given field parsed by its type and checked; a bad one adds a problem."""
    hints = get_type_hints(AppSettings)
    values: dict[str, Any] = {}
    for f in fields(AppSettings):
        given = raw.get(f.name)
        if given is None or f.name == "private_key":
            continue
        try:
            values[f.name] = _parse(f.name, hints[f.name], given.text.strip())
        except ValueError as err:
            problems.append(f"{given.source}: {err}")
    return values


_PLATFORM = {"app_id": "GitHub", "gitlab_token": "GitLab"}
_EXPECTED = {
    "app_id": "the App's id",
    "gitlab_token": "a token",
    "gitlab_webhook_secret": "the secret token of the GitLab hooks (or a file of them per group or "
                             "project)",
    "webhook_secret": "the App's webhook secret (the HMAC key of X-Hub-Signature-256)",
    "private_key": "the App's private key, a PEM 'RSA PRIVATE KEY' as GitHub generates it",
}


def _parse(name: str, kind: Any, text: str) -> object:
    """One value of type ``kind``; ``ValueError`` says what is expected."""
    if kind is int or kind is float:
        try:
            number = kind(text)
        except ValueError:
            expected = "an integer" if kind is int else "a number"
            raise ValueError(f"expected {expected}, got {text!r}") from None
        if not math.isfinite(number):  # nan passes every comparison; inf never times out
            raise ValueError(f"expected a finite number, got {text!r}")
        low = 1 if name in _POSITIVE or name == "app_id" else 0 if name in _NON_NEGATIVE else None
        if low is not None and number < low:
            raise ValueError(f"expected {'a positive' if low else 'a non-negative'} number, got {text!r}")
        return number
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(text.lower())
        except ValueError:
            raise ValueError(f"expected one of {', '.join(m.value for m in kind)}, got {text!r}") from None
    if kind is Path:
        if not text:
            raise ValueError("expected a folder path, got an empty value")
        return Path(text)
    return _parse_text(name, text)


def _parse_text(name: str, text: str) -> str:
    schemes = {"api_url": ("http://", "https://"), "public_url": ("http://", "https://"),
               "gitlab_url": ("http://", "https://"),
               "redis_url": ("redis://", "rediss://", "unix://")}.get(name)
    if name == "webhook_secret" and not text:
        raise ValueError(f"expected {_EXPECTED[name]}, got an empty value")
    if name == "check_name" and not text:
        # GitHub refuses a check run without a name, and the app finds its runs by it
        raise ValueError("expected the check run's name, got an empty value")
    if schemes and text and not text.startswith(schemes):
        raise ValueError(f"expected a URL starting with {' or '.join(schemes)}, got {_masked(text)!r}")
    if schemes and text and not text.startswith("unix://") and not urlsplit(text).hostname:
        raise ValueError(f"expected a URL with a host, got {_masked(text)!r}")
    if name == "gitlab_url" and text.rstrip("/").endswith("/api/v4"):
        # the API URL GitLab shows (CI_API_V4_URL): the app adds /api/v4 itself
        instance = text.rstrip("/").removesuffix("/api/v4")
        raise ValueError(f"expected the GitLab instance, not its API URL: set {_masked(instance)!r} "
                         "(the app adds /api/v4)")
    return text.rstrip("/") if schemes else text


def _masked(url: str) -> str:
    """``url`` without what precedes an ``@`` (a Redis URL's password): error messages end
    up in logs."""
    return _USERINFO.sub(r"\1***@", url)


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:/*)[^@/]*@")


def _read_private_key(raw: Mapping[str, _Raw], values: dict[str, Any], problems: list[str]) -> None:
    """The key from ``GITHUB_APP_PRIVATE_KEY`` or the file ``GITHUB_APP_PRIVATE_KEY_PATH`` names
    (not both), refused unless it is a PEM RSA private key (what GitHub's JWT signing needs)."""
    inline, path = raw.get("private_key"), raw.get("private_key_path")
    if inline is not None and path is not None:
        problems.append(f"{inline.source} and {path.source} are both set: give the key one way")
        return
    if inline is None and path is None:
        problems.append(f"{variable_of('private_key')} or {variable_of('private_key_path')} is not "
                        f"set: expected {_EXPECTED['private_key']}")
        return
    if inline is not None:
        pem, source = inline.text.replace("\\n", "\n"), inline.source
    elif path is not None:
        try:
            pem = Path(path.text.strip()).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{path.source}: cannot read {path.text.strip()!r} ({err})")
            return
        source = path.source
    if not _is_rsa_pem(pem):
        problems.append(f"{source}: expected {_EXPECTED['private_key']} (the value is not one)")
        return
    values["private_key"] = pem


def _is_rsa_pem(pem: str) -> bool:
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError):
        return False
    return isinstance(key, rsa.RSAPrivateKey)
