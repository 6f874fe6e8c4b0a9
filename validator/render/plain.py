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
    path = root / target.path
    if not inside_root(root, path):
        finding = Finding(rule_id="render/symlink-escape", severity=Severity.ERROR,
                          engine=Engine.RENDER, location=Location(path=target.path),
                          message=f"{target.path} resolves outside the repository; refused")
        return RenderResult(findings=(finding,), targets=1)
    loaded = load_file(path, display_path=target.path, options=settings.load_options)
    return RenderResult(documents=loaded.documents, findings=loaded.findings, skipped=loaded.skipped,
                        files_read=1, targets=1, expansion=loaded.expansion)
