"""Suite-wide fixtures: the GitHub API test server (``github_api``); pytester for fixture tests;
a cache folder of the session's own.

Every test process (each xdist worker too) gets a fresh ``XDG_CACHE_HOME`` (render and
schema caches), removed at its end: tests never read what an earlier run, another checkout
or the user's own ``gitops-validator`` runs left in ``~/.cache`` (a render cached under other
limits made a hostile test pass or fail by history, not by code).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

pytest_plugins = ["pytester", "tests.support.github_api.fixture"]

_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    del config
    folder = tempfile.mkdtemp(prefix="gitops-validator-test-cache-")
    _CACHE.append(folder)
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    del config
    for folder in _CACHE:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Every test body leaves the process registry as it found it: a child process group it
    started and left listed is a leak (and would be counted against later tests in this
    worker). Fixtures' own servers are set up before and stopped after the body: not counted."""
    from validator import process  # noqa: PLC0415

    before = process.running_groups()
    result = yield
    after = process.running_groups()
    if after > before:
        pytest.fail(f"{item.nodeid} left {after - before} child process group(s) running")
    return result
