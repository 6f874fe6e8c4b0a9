"""Fixtures of the GitHub publishing tests: one pull request's pushes, run once per session
(each ``diff`` run starts a real OPA)."""

from __future__ import annotations

import pytest

from tests.scm.github.scenario import Pushes, build_pushes


@pytest.fixture(scope="session")
def pushes(tmp_path_factory: pytest.TempPathFactory) -> Pushes:
    """The base and two pushes of pull request #7, with the validator's outcomes."""
    return build_pushes(tmp_path_factory.mktemp("pull-request") / "repo")
