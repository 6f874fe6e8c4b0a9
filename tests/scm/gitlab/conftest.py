"""Fixtures of the GitLab publishing tests: one merge request's pushes, run once per session
(each ``diff`` run starts a real OPA)."""

from __future__ import annotations

import pytest

from tests.scm.gitlab.mr_scenario import MrPushes, build_mr_pushes


@pytest.fixture(scope="session")
def mr_pushes(tmp_path_factory: pytest.TempPathFactory) -> MrPushes:
    """The base and two pushes of a merge request, with the validator's outcomes."""
    return build_mr_pushes(tmp_path_factory.mktemp("merge-request") / "repo")
