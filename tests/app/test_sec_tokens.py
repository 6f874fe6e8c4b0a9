"""Installation tokens never reach a log line, whatever the log level."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.app.job_support import INSTALLATION, install
from tests.support.github_api import GitHubApiServer
from validator.app.github_app import AppAuth


def test_minting_a_token_at_debug_level_logs_no_token(tmp_path: Path, github_api: GitHubApiServer,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """PyGithub's own logger (``github``, at INFO unless an operator's logging configuration
    lowers it, as ``github.enable_console_debug_logging`` does) logs every answer's body at
    debug level: the access-token answer carries the token."""
    env = install(github_api, tmp_path)
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="github"):
        token = AppAuth(env.settings).installation_token(INSTALLATION)
    assert any('"token": "***"' in r.getMessage() for r in caplog.records), "the answer was logged, masked"
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
