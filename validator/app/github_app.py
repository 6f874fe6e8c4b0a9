"""GitHub App authentication: the app's JWT, installation tokens cached until shortly before expiry.

GitHub Apps act on a repository with an installation access token (one hour of validity),
which the app obtains by calling ``POST /app/installations/{id}/access_tokens`` with a JWT
signed by its private key (PyGithub's ``Auth.AppAuth`` makes the JWT). One token per
installation is kept in memory and renewed when less than ``token_margin_seconds`` remain,
so a job never starts with a token that expires under it. Tokens live in memory only: they
are never logged, never in a ``repr``, never written to disk (git gets them in an HTTP header,
see :mod:`validator.app.mirror`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from github import Auth

from validator.app.metrics import AppMetrics
from validator.app.settings import AppSettings
from validator.errors import ValidatorError
from validator.scm.github.client import GitHubCallError, GitHubSession, connect

__all__ = ["AppAuth", "AppAuthError"]

_LOGGER = logging.getLogger(__name__)
#: The logger PyGithub logs each request on, with the answer's body at debug level.
_REQUESTER_LOGGER = "github.Requester"
_TOKEN_FIELD = re.compile(r'("token"\s*:\s*)"[^"]*"')


class _RedactTokens(logging.Filter):
    """Masks the ``"token"`` field of answers PyGithub logs: the access-token answer is one,
    and an operator who lowers the ``github`` logger to debug must not find tokens in logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN_FIELD.sub(r'\1"***"', message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _redact_requester_log() -> None:
    """Install :class:`_RedactTokens` on PyGithub's request logger (once per process)."""
    logger = logging.getLogger(_REQUESTER_LOGGER)
    if not any(isinstance(f, _RedactTokens) for f in logger.filters):
        logger.addFilter(_RedactTokens())


class AppAuthError(ValidatorError):
    """No installation token could be obtained (the app id, key or installation is wrong)."""


@dataclass(frozen=True, kw_only=True)
class _Token:
    value: str = field(repr=False)
    expires: float
    """``time.time()`` when GitHub stops accepting it."""


class AppAuth:
    """The app's credentials: JWT sessions for app endpoints, cached installation tokens."""

    def __init__(self, settings: AppSettings, *, metrics: AppMetrics | None = None) -> None:
        self._settings = settings
        self._metrics = metrics
        # a GitLab-only app has no App: it starts, and any GitHub call is refused (AppAuthError)
        self._auth = Auth.AppAuth(settings.app_id, settings.private_key) if settings.github_enabled else None
        _redact_requester_log()
        self._tokens: dict[int, _Token] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AppAuth(app_id={self._settings.app_id}, cached_installations={sorted(self._tokens)})"

    def app_session(self) -> GitHubSession:
        """A session authenticated as the app itself (JWT: app endpoints only)."""
        if self._auth is None:
            raise AppAuthError("GitHub is not configured in this app (GITHUB_APP_ID is not set)")
        return connect(self._settings.api_url, self._auth, on_wait=self._waited)

    def installation_session(self, installation_id: int) -> GitHubSession:
        """A session acting as the installation (its repositories and permissions)."""
        return connect(self._settings.api_url, self.installation_token(installation_id),
                       on_wait=self._waited)

    def installation_token(self, installation_id: int) -> str:
        """The installation's access token: the cached one unless it expires within the margin."""
        with self._lock:  # one mint per installation at a time; a token is shared by threads
            cached = self._tokens.get(installation_id)
            if cached is not None and cached.expires - time.time() > self._settings.token_margin_seconds:
                return cached.value
            token = self._mint(installation_id)
            self._tokens[installation_id] = token
            return token.value

    def forget(self, installation_id: int) -> None:
        """Drop the cached token (GitHub refused it: revoked, or the installation changed)."""
        with self._lock:
            self._tokens.pop(installation_id, None)

    def count_calls(self, session: GitHubSession) -> None:
        """Add ``session``'s API calls to the metrics (call once, when done with it)."""
        if self._metrics is not None and session.calls:
            self._metrics.github_calls.inc(session.calls)

    def _mint(self, installation_id: int) -> _Token:
        session = self.app_session()
        try:
            answer = session.post(f"/app/installations/{installation_id}/access_tokens", {})
            value, expires_at = str(answer["token"]), str(answer["expires_at"])
            expires = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
        except GitHubCallError as err:
            raise AppAuthError(f"GitHub App {self._settings.app_id}: no access token for "
                               f"installation {installation_id}: {err}") from err
        except (KeyError, TypeError, ValueError) as err:
            raise AppAuthError(f"GitHub App {self._settings.app_id}: unexpected answer to the "
                               f"access token request of installation {installation_id}: "
                               f"{type(err).__name__}") from err
        finally:
            self.count_calls(session)
        _LOGGER.info("installation %s: new access token, valid for %.0f s", installation_id,
                     expires - time.time())
        return _Token(value=value, expires=expires)

    def _waited(self, seconds: float) -> None:
        del seconds
        if self._metrics is not None:
            self._metrics.rate_limit_waits.inc()
