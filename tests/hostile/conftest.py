"""Gallery fixtures: what a case leaves that pytest's own clean-up cannot remove."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.cases_qa7 import remove_nested


@pytest.fixture(autouse=True)
def _remove_deeply_nested_folders() -> Iterator[None]:
    yield
    remove_nested()
