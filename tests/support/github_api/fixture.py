"""The ``github_api`` pytest fixture: a server per test that fails the test on violations.

Registered for the whole suite by ``tests/conftest.py`` (``pytest_plugins``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.github_api.server import GitHubApiServer


@pytest.fixture
def github_api() -> Iterator[GitHubApiServer]:
    """A running server; at teardown, contract violations or server errors fail the test."""
    with GitHubApiServer() as server:
        yield server
    problems = [str(v) for v in server.violations] + server.server_errors
    if problems:
        pytest.fail("GitHub API test server: requests outside the contract or server errors:\n  "
                    + "\n  ".join(problems), pytrace=False)
