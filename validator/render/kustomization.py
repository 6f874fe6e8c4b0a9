"""What one kustomization file references, as read by :mod:`kustomization_reader`.

Target discovery needs every file and directory a kustomization consumes, and
rendering needs its patches (to map a patched field back to the patch file) and
the lines of its transformer fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from validator.model import Finding

#: File names kustomize accepts, in its order of preference.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True, kw_only=True)
class PatchRef:
    """One patch a kustomization applies."""

    source: str
    """Repository-relative file holding the patch text (the kustomization itself if inline)."""
    text: str
    """The patch as YAML (strategic merge) or a JSON 6902 operation list."""
    line_offset: int
    """Lines to add to a line of ``text`` to get the line in ``source`` (0 for a patch file)."""
    json6902: bool
    """Whether ``text`` is a JSON 6902 operation list."""
    target: Mapping[str, str]
    """The ``target`` selector (kind, name, ...), empty when the patch names its object."""


@dataclass(frozen=True, kw_only=True)
class Kustomization:
    """What one kustomization file references."""

    path: str
    """Repository-relative path of the kustomization file."""
    directory: str
    """Repository-relative directory (the kustomization root)."""
    is_component: bool
    """``kind: Component``: only usable through ``components:``."""
    roots: tuple[str, ...]
    """Directories it builds on (bases, components, generator dirs), repository-relative."""
    files: tuple[str, ...]
    """Files it reads (resources, patches, generator inputs, configurations...)."""
    patches: tuple[PatchRef, ...]
    """Its own patches, in the order kustomize applies them."""
    findings: tuple[Finding, ...]
    """Refused or broken references; the kustomization must not be built when non-empty."""
    namespace_line: int = 0
    """Line of its ``namespace:`` field (0 when it sets none)."""
    images: tuple[tuple[str, int], ...] = ()
    """``(name, line)`` of each ``images:`` entry (``name`` and ``newName`` both listed)."""
    generators: tuple[tuple[str, int], ...] = ()
    """``(name, line)`` of each ConfigMap/Secret generator entry."""
    build_metadata: tuple[str, ...] = ()
    """Its own ``buildMetadata`` options (the user's annotations stay in the output)."""
    root_lines: tuple[int, ...] = ()
    """The line of the entry naming each of ``roots`` (same order)."""
    resources: tuple[str, ...] = ()
    """The files among ``files`` listed under ``resources``/``bases`` (whole manifests)."""


def find_kustomization_file(directory: Path) -> Path | None:
    """The kustomization file in ``directory``, if any."""
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None
