"""GitLab sessions for the webhook app's jobs: one :class:`GitLabSession` per job, counted.

GitLab needs no minting (GitHub's installation tokens, :mod:`validator.app.github_app`): the
app acts with one configured token (``GITLAB_TOKEN``: a project, group or bot access token).
Each job opens its own session (python-gitlab's HTTP session is not shared across threads)
and closes it when done; its API calls and rate-limit waits go to the app's metrics as the
GitHub sessions' do. The token lives in the settings only: never in a ``repr`` or a log line.
"""

from __future__ import annotations

from validator.app.metrics import AppMetrics
from validator.app.settings import AppSettings
from validator.scm.gitlab.client import GitLabSession

__all__ = ["GitLabSessions"]


class GitLabSessions:
    """Opens sessions on ``GITLAB_URL`` with ``GITLAB_TOKEN`` and counts what they did."""

    def __init__(self, settings: AppSettings, *, metrics: AppMetrics | None = None,
                 timeout: float = 30.0, max_wait: float = 60.0) -> None:
        self._settings = settings
        self._metrics = metrics
        self._timeout = timeout
        self._max_wait = max_wait

    def __repr__(self) -> str:
        return f"GitLabSessions(url={self._settings.gitlab_url!r})"

    @property
    def url(self) -> str:
        """The instance's root (``GITLAB_URL``, no trailing slash): web pages and git live below it."""
        return self._settings.gitlab_url.rstrip("/")

    @property
    def token(self) -> str:
        """``GITLAB_TOKEN``, for git's HTTP header (:mod:`validator.app.mirror`) only."""
        return self._settings.gitlab_token

    def session(self) -> GitLabSession:
        """A new session for one job (close it with :meth:`done`)."""
        return GitLabSession(self.url, self._settings.gitlab_token, timeout=self._timeout,
                             max_wait=self._max_wait, on_wait=self._waited)

    def done(self, session: GitLabSession) -> None:
        """Add ``session``'s API calls to the metrics and close it (call once, when done)."""
        try:
            if self._metrics is not None and session.calls:
                self._metrics.gitlab_calls.inc(session.calls)
        finally:
            session.close()

    def _waited(self, seconds: float) -> None:
        del seconds
        if self._metrics is not None:
            self._metrics.gitlab_rate_limit_waits.inc()
