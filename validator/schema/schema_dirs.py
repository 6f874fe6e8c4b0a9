"""Schema directories: which file may hold a kind's schema, and reading it as a schema source.

Two layouts (``<dir>`` is each directory given, in order):

- CRDs-catalog: ``<dir>/<group>/<kind>_<version>.json`` (kind lower-case, full group);
- kubeconform's openapi2jsonschema default: ``<dir>/<kind>-<group's first label>-<version>.json``.

A file is checked content like a CRD: its references are checked
(:mod:`validator.schema.references`) and located on their lines. A schema directory
inside the repository (its own ``schemas/``) is checked content too: a file in it that
resolves outside the repository (a symlinked file, group folder or ``schemas/``
itself) is no candidate; the repository scan reports the link, and the kind has no
schema (a finding on the manifest), so nothing outside is read. Directories given
outside the repository (a flag, the trusted configuration) are trusted as they are.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from validator.load.positions import TextLocator
from validator.load.safety import LoadLimits
from validator.model import Location
from validator.schema.naming import split_api_version
from validator.schema.reading import parse_checked
from validator.schema.references import refused_references
from validator.schema.sources import Identity, SchemaSource, SourceKind


@dataclass(frozen=True, kw_only=True)
class UnusableFile:
    """A schema file that cannot be read as a JSON schema."""

    location: Location
    """The file (line 1)."""
    message: str
    """Why."""


def schema_dir_candidates(dirs: Sequence[Path], kind: str, api_version: str, *,
                          root: Path | None = None) -> list[Path]:
    """The files that may hold the schema of ``kind`` in ``api_version``, in lookup order
    (with ``root``, none of a directory inside ``root`` that resolves outside it)."""
    group, version = split_api_version(api_version)
    first = group.split(".")[0]
    out: list[Path] = []
    for folder in dirs:
        if group:
            names = [folder / group / f"{kind.lower()}_{version}.json",
                     folder / f"{kind.lower()}-{first}-{version}.json".lower()]
        else:
            names = [folder / f"{kind.lower()}-{version}.json"]
        out.extend(name for name in names if root is None or _stays_inside(root, name))
    return out


def _stays_inside(root: Path, candidate: Path) -> bool:
    """Whether ``candidate`` is outside ``root`` as written, or resolves inside it."""
    base = Path(os.path.normpath(root.absolute()))
    if not Path(os.path.normpath(candidate.absolute())).is_relative_to(base):
        return True  # a trusted directory outside the repository
    try:
        real = Path(os.path.realpath(candidate))
        real_root = Path(os.path.realpath(root))
    except OSError:
        return False
    return real.is_relative_to(real_root)


def load_schema_file(identity: Identity, path: Path, *, shown: str) -> SchemaSource | UnusableFile:
    """The schema at ``path`` as the source of ``identity``; ``shown`` names it in findings."""
    location = Location(path=shown, line=1)
    try:
        if path.stat().st_size > LoadLimits().max_file_bytes:
            raise ValueError(f"over {LoadLimits().max_file_bytes} bytes")
        data = path.read_bytes()
        schema = parse_checked(data, display_path=shown if shown.endswith(".json") else "schema.json")
    except (OSError, ValueError) as exc:
        return UnusableFile(location=location, message=f"not a readable JSON schema: {exc}")
    if not isinstance(schema, dict):
        return UnusableFile(location=location, message="a JSON schema must be an object")
    locator = TextLocator(data.decode("utf-8-sig"), path=shown, json=True)
    refused = tuple(refused_references(schema, check_schema_keyword=True))
    return SchemaSource(identity=identity, kind=SourceKind.SCHEMA_FILE, schema=schema,
                        location=location, refused=refused,
                        refused_locations=tuple(locator.locate(0, ref.path) for ref in refused))
