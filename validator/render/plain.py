"""Rendering a plain target: the file is applied as it is, so it is loaded as it is."""

from __future__ import annotations

from pathlib import Path

from validator.load import load_file
from validator.model import Engine, Finding, Location, Severity
from validator.render.paths import inside_root
from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target


def render_plain(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Load ``target``'s file (documents keep ``target`` empty: a plain file is its own source)."""
    return load_manifest(root, target.path, settings)


def load_manifest(root: Path, path: str, settings: RenderSettings) -> RenderResult:
    """Load the repository file ``path`` with the run's limits; a file resolving outside the
    repository is refused (also used for each file of a directory target)."""
    file = root / path
    if not inside_root(root, file):
        finding = Finding(rule_id="render/symlink-escape", severity=Severity.ERROR,
                          engine=Engine.RENDER, location=Location(path=path),
                          message=f"{path} resolves outside the repository; refused")
        return RenderResult(findings=(finding,), targets=1)
    loaded = load_file(file, display_path=path, options=settings.load_options)
    return RenderResult(documents=loaded.documents, findings=loaded.findings, skipped=loaded.skipped,
                        files_read=1, targets=1, expansion=loaded.expansion)
