"""Rendering an Argo CD directory source: the manifest files of a folder, applied as they are."""

from __future__ import annotations

from pathlib import Path

from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target


def render_directory(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Every file ``target.directory.files`` names, loaded; ``destination.namespace`` set on
    namespaced objects that name none (work in progress)."""
    raise NotImplementedError("directory targets are being built")
