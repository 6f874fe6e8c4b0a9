"""Helpers shared by the render tests: the sample repository, writing files, finding objects."""

from __future__ import annotations

from pathlib import Path

from validator.load import Document
from validator.render import RenderResult, RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config

DATA = Path(__file__).parent / "data"
SAMPLE_REPO = DATA / "repo"


def render_repo(root: Path, *, jobs: int = 2, include_helm_tests: bool = False) -> RenderResult:
    """Discover and render everything under ``root``."""
    plan = discover_targets(root, [root], load_repo_config(root))
    settings = RenderSettings(jobs=jobs, include_helm_tests=include_helm_tests)
    return render_targets(plan, settings, root=root)


def find(result: RenderResult, *, target: str, kind: str, name: str | None = None) -> Document:
    """The one rendered document of ``kind`` (and ``name``) from ``target``."""
    matches = [d for d in result.documents if d.target == target and d.kind == kind
               and (name is None or d.resource.name == name)]
    assert len(matches) == 1, [(d.target, d.kind, d.resource.name) for d in result.documents]
    return matches[0]


def write(root: Path, path: str, text: str) -> Path:
    """Write ``text`` to ``root/path`` (creating directories)."""
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file
