"""The vendored subcharts of a chart, as helm sees them when it validates values schemas.

helm checks each enabled dependency's ``values.schema.json`` against the values under
the dependency's name (its alias when it has one), coalesced with the subchart's own
``values.yaml`` and given the parent's ``global`` values. This module finds those
subcharts under ``charts/`` (folders and ``.tgz`` archives, read in process with
size limits), decides which are enabled (``condition``, then ``tags``, as helm does),
and lists what it does not follow (subcharts of subcharts) so nothing is silently
unchecked.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.load.safety import LoadLimits
from validator.schema.reading import parse_checked

SCHEMA_FILE = "values.schema.json"
_MAX_MEMBERS = 10_000


@dataclass(frozen=True, kw_only=True)
class Subchart:
    """One enabled dependency of a chart, with what its schema check needs."""

    key: str
    """Where its values live in the parent's values: the alias, else the chart name."""
    schema_text: str | None
    """Its ``values.schema.json`` (None when it has none)."""
    schema_path: str
    """Repository-relative file the schema's findings name (the archive for a ``.tgz``)."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Its own ``values.yaml``."""
    defaults_path: str | None = None
    """Repository-relative ``values.yaml`` when it is a file a reviewer can edit."""
    nested_schemas: tuple[str, ...] = ()
    """Schemas of its own subcharts (not followed)."""
    unusable: str = ""
    """Why its values cannot be read within the load limits (its schema is then not checked)."""


@dataclass(frozen=True, kw_only=True)
class _Vendored:
    name: str
    files: Mapping[str, str]
    """Chart.yaml, values.yaml, values.schema.json texts by name (those present)."""
    base: str
    """Repository-relative folder, or the archive's path."""
    archive: bool
    nested_schemas: tuple[str, ...] = ()


def subcharts(root: Path, chart: str, values: Mapping[str, Any]) -> list[Subchart]:
    """The enabled subcharts of ``chart`` (repository-relative) given the merged ``values``."""
    vendored = {v.name: v for v in _vendored(root, chart)}
    dependencies = _dependencies(root / chart / "Chart.yaml")
    listed = {str(d.get("name")) for d in dependencies}
    found = []
    for dependency in dependencies:
        chart_of = vendored.get(str(dependency.get("name")))
        if chart_of is not None and enabled(dependency, values):
            found.append(_subchart(str(dependency.get("alias") or chart_of.name), chart_of))
    found += [_subchart(name, v) for name, v in sorted(vendored.items()) if name not in listed]
    return found


def _subchart(key: str, chart: _Vendored) -> Subchart:
    schema_path = f"{chart.base}/{SCHEMA_FILE}" if not chart.archive else chart.base
    try:
        defaults, unusable = _mapping(chart.files.get("values.yaml", "")), ""
    except ValueError as exc:
        defaults, unusable = {}, f"its values.yaml is refused: {exc}"
    return Subchart(key=key, schema_text=chart.files.get(SCHEMA_FILE), schema_path=schema_path,
                    defaults=defaults, nested_schemas=chart.nested_schemas, unusable=unusable,
                    defaults_path=None if chart.archive else f"{chart.base}/values.yaml")


def enabled(dependency: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """helm's rule: the first ``condition`` path that holds a boolean decides; else ``tags``
    (disabled only when some listed tag is false and none is true)."""
    condition = dependency.get("condition")
    for path in str(condition).split(",") if isinstance(condition, str) else ():
        value = _lookup(values, path.strip())
        if isinstance(value, bool):
            return value
    tags = values.get("tags")
    tag_values = [tags.get(t) for t in dependency.get("tags") or () if isinstance(t, str)
                  ] if isinstance(tags, Mapping) else []
    return True in tag_values or False not in tag_values


def _lookup(values: Mapping[str, Any], path: str) -> object:
    node: object = values
    for part in path.split(".") if path else ():
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _dependencies(chart_yaml: Path) -> list[Mapping[str, Any]]:
    try:
        meta = parse_checked(chart_yaml.read_bytes(), display_path="Chart.yaml")
    except (OSError, ValueError):
        return []  # helm's own error, reported by the render
    listed = meta.get("dependencies") if isinstance(meta, Mapping) else None
    return [d for d in listed if isinstance(d, Mapping)] if isinstance(listed, list) else []


def _mapping(text: str) -> dict[str, Any]:
    """The YAML mapping in ``text`` ({} for anything else); ValueError when the loader refuses it."""
    body = parse_checked(text.encode("utf-8"), display_path="values.yaml")
    return body if isinstance(body, dict) else {}


def _vendored(root: Path, chart: str) -> Iterator[_Vendored]:
    folder = root / chart / "charts"
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        base = f"{chart}/charts/{entry.name}"
        if entry.is_dir() and not entry.is_symlink() and (entry / "Chart.yaml").is_file():
            files = {name: text for name in ("Chart.yaml", "values.yaml", SCHEMA_FILE)
                     if (text := _read(entry / name)) is not None}
            inner = [*sorted(entry.glob(f"charts/*/{SCHEMA_FILE}")), *sorted(entry.glob("charts/*.tgz"))]
            yield _Vendored(name=_name(files, entry.name), files=files, base=base, archive=False,
                            nested_schemas=tuple(f"{base}/{p.relative_to(entry).as_posix()}"
                                                 for p in inner))
        elif entry.name.endswith(".tgz") and entry.is_file():
            files, packed = _archive(entry)
            yield _Vendored(name=_name(files, entry.name), files=files, base=base, archive=True,
                            nested_schemas=tuple(f"{base}!{n}" for n in packed))


def _name(files: Mapping[str, str], fallback: str) -> str:
    try:
        name = _mapping(files.get("Chart.yaml", "")).get("name")
    except ValueError:
        return fallback
    return name if isinstance(name, str) else fallback


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > LoadLimits().max_file_bytes:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _archive(path: Path) -> tuple[dict[str, str], list[str]]:
    """Chart.yaml, values.yaml and values.schema.json of a packed chart's top folder, and the
    schemas of charts packed inside it."""
    files: dict[str, str] = {}
    nested: list[str] = []
    limit = LoadLimits().max_file_bytes
    try:
        with tarfile.open(path, "r:gz") as archive:
            for count, member in enumerate(archive):
                if count >= _MAX_MEMBERS:
                    break
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] in ("Chart.yaml", "values.yaml", SCHEMA_FILE):
                    handle = archive.extractfile(member) if member.isfile() else None
                    if handle is not None and member.size <= limit:
                        files[parts[1]] = handle.read(limit).decode("utf-8", "replace")
                elif len(parts) > 3 and parts[1] == "charts" and parts[-1] == SCHEMA_FILE:
                    nested.append(member.name)
    except (OSError, tarfile.TarError, EOFError):
        return {}, []
    return files, nested
