"""End to end over a Flux fleet laid out as ``flux bootstrap`` does (tests/agents/fleet.py),
with the real CLI: what a platform engineer adopting the tool sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agents.fleet import fleet
from tests.change.gitrepo import GitRepo
from tests.cli.test_check_cli import invoke


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return fleet(GitRepo.init(tmp_path / "fleet"))


def _check(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = invoke("check", ".", "--ignore-missing-schemas", "-o", "json", *args,
                            cwd=repo.root)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_objects_one_kustomization_renders_and_another_reads_are_not_called_unread(
        repo: GitRepo) -> None:
    """The root Kustomization renders ``clusters/prod``, so the other Flux objects are also
    rendered out of it: they were read from their files all the same, so no "not rendered"
    or "checked without the agent object's options" entry may name them; only the chart
    from a Helm repository is not rendered, once."""
    _, report = _check(repo)
    agent_skipped = [(s["path"], s["group"]) for s in report["skipped"]
                     if s["what"] in ("Flux Kustomization path", "HelmRelease chart")]
    assert agent_skipped == [("infrastructure/controllers/ingress-nginx.yaml:15",
                              "not rendered: remote chart")]
