"""The way back from a field of a ``helm template`` object to the template line that wrote it.

``helm template`` prefixes each document with ``# Source: CHART/templates/x.yaml``;
that names the template. Templates are not YAML, so the line is found by walking
the template text by indentation along the field path (keys by name, list items by
position); a field produced by ``toYaml`` or a loop resolves to its deepest written
ancestor, finally the template's first line. A field the template copies verbatim
from ``.Values`` is located in the values file that sets it (:mod:`helm_values`).
A template holding several documents (``---``) is narrowed to the section with the
object's ``kind:``.

A target an agent object defines also merges inline values and ``--set`` parameters:
a copied value they set is located on their line in the agent object's file
(:class:`~validator.render.helm_values.ValuesFiles`). A chart fetched into the chart
cache (:class:`FetchedChart`) is not in the repository: its templates are still read
to follow copied values, but everything else is reported on the agent object's line.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from validator.model import FieldPath, Location
from validator.render.helm_fetched import FetchedChart
from validator.render.helm_options import ValuesLayer
from validator.render.helm_values import ValuesFiles, values_reference
from validator.render.options import HelmParameter

_MAX_LINE = 2000
_SOURCE = re.compile(r"^# Source: (\S+)", re.MULTILINE)
_SEPARATOR = re.compile(r"^---(?:\s|$)")
_KEY = re.compile(r"^(\s*)((?:-\s+)*)[\"']?([^\s\"':{}#][^\"':{}]*?)[\"']?:(?:\s|$)")


def document_sources(output: str) -> list[str]:
    """For each YAML document of ``output`` (counted as the YAML parser does), its ``# Source``."""
    segments: list[list[str]] = [[]]
    for line in output.splitlines():
        if _SEPARATOR.match(line):
            segments.append([])
        else:
            segments[-1].append(line)
    if not any(line.strip() and not line.lstrip().startswith("#") for line in segments[0]):
        segments = segments[1:]  # no document before the first ---
    return [_source_of(segment) for segment in segments]


def _source_of(lines: list[str]) -> str:
    match = _SOURCE.search("\n".join(lines))
    return match.group(1) if match else ""


def template_path(chart: str, source: str, root: Path) -> str:
    """Repository path of ``CHART/templates/x.yaml`` (a vendored subchart's Chart.yaml if packed)."""
    inside = source.split("/", 1)[1] if "/" in source else source
    candidate = f"{chart}/{inside}"
    if (root / candidate).is_file():
        return candidate
    parts = inside.split("/")
    if len(parts) > 2 and parts[0] == "charts":  # a subchart packed as charts/NAME-1.2.3.tgz
        packed = sorted((root / chart / "charts").glob(f"{parts[1]}-*.tgz"))
        if packed:
            return f"{chart}/charts/{packed[0].name}"
    return f"{chart}/Chart.yaml"


class HelmLocator:
    """Locates fields of one ``helm template`` output in the chart's templates."""

    def __init__(self, *, root: Path, chart: str, sources: list[str],
                 values: Sequence[str] = (), layers: Sequence[ValuesLayer] = (),
                 parameters: Sequence[HelmParameter] = (), fetched: FetchedChart | None = None
                 ) -> None:
        self._root = fetched.folder if fetched else root
        self._repo = root
        chart = "." if fetched else chart
        self._fetched = fetched
        self._paths = [template_path(chart, source, self._root) for source in sources]
        self._own_templates = (f"{chart}/templates/", f"{chart}/crds/")
        self._values = ValuesFiles(self._root, values, layers=layers, parameters=parameters,
                                   sources_root=root)
        self._chart_file = f"{chart}/Chart.yaml"
        self._bodies: dict[int, Mapping[str, Any]] = {}
        self._texts: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def source_path(self, index: int) -> str:
        """The template that produced document ``index`` (a fetched chart: the object's file)."""
        if self._fetched:
            return self._fetched.path
        return self._template(index)

    def _template(self, index: int) -> str:
        return self._paths[index] if 0 <= index < len(self._paths) else self._chart_file

    def register(self, index: int, body: Mapping[str, Any]) -> None:
        """Record the rendered body of document ``index`` (for choosing a template section)."""
        self._bodies[index] = body

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        """See :class:`validator.load.document.Locator`."""
        path = self._template(document_index)
        lines = self._lines(path)
        kind = self._bodies.get(document_index, {}).get("kind")
        start, end = _section(lines, kind if isinstance(kind, str) else "")
        line, depth = find_field(lines, start, end, field_path)
        if field_path and path.startswith(self._own_templates):  # subcharts scope .Values
            reference = values_reference(lines, line, depth, field_path)
            found = self._values.locate(reference, field_path) if reference else None
            if found is not None:
                return self._in_repository(found)
        if self._fetched:
            return Location(path=self._fetched.path, line=self._fetched.line,
                            field_path=field_path)
        if line < 0:  # nothing of the path is written literally: the section's first line
            line = next((i for i in range(start, end) if _column(lines[i]) >= 0), start)
        return Location(path=path, line=line + 1 if lines else 0, field_path=field_path)

    def _in_repository(self, found: Location) -> Location:
        """A location in a fetched chart's own values is the object's line; a repository
        values file given by absolute path is repository-relative."""
        if self._fetched is None:
            return found
        if Path(found.path).is_absolute() and Path(found.path).is_relative_to(self._repo):
            return replace(found, path=Path(found.path).relative_to(self._repo).as_posix())
        if found.path.startswith("./") or Path(found.path).is_absolute():
            return replace(found, path=self._fetched.path, line=self._fetched.line, column=0)
        return found

    def _lines(self, path: str) -> list[str]:
        with self._lock:
            if path not in self._texts:
                try:
                    text = (self._root / path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = ""
                self._texts[path] = text.splitlines()
            return self._texts[path]


def _section(lines: list[str], kind: str) -> tuple[int, int]:
    """The ``---``-delimited part of a template that writes ``kind: KIND``."""
    bounds, start = [], 0
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line):
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, len(lines)))
    for begin, finish in bounds:
        if any(re.match(rf"^kind:\s*[\"']?{re.escape(kind)}[\"']?\s*$", lines[i])
               for i in range(begin, finish)):
            return begin, finish
    return bounds[0] if len(bounds) == 1 else (0, len(lines))


def _key(line: str) -> tuple[str, int, int] | None:
    """(key, key column, dash column or -1) of a ``key:`` line."""
    if len(line) > _MAX_LINE:
        return None  # bounded regex work on untrusted templates
    match = _KEY.match(line)
    if not match or "{{" in match.group(3):
        return None
    indent, dashes = len(match.group(1)), match.group(2)
    return match.group(3).strip(), indent + len(dashes), indent if dashes else -1


def _column(line: str) -> int:
    stripped = line.lstrip()
    if not stripped or stripped.startswith(("#", "{{")):
        return -1
    return len(line) - len(stripped)


def find_field_line(lines: list[str], start: int, end: int, field_path: FieldPath) -> int:
    """0-based line of the deepest part of ``field_path`` written in ``lines[start:end]``."""
    return find_field(lines, start, end, field_path)[0]


def find_field(lines: list[str], start: int, end: int, field_path: FieldPath) -> tuple[int, int]:
    """(0-based line, parts of ``field_path`` found) of its deepest written part (-1, 0 if none)."""
    best, parent, after_key, depth = -1, -1, False, 0
    for part in field_path:
        if isinstance(part, int):
            # a sequence may sit at its key's own indentation ("containers:\n- name: x")
            items = [i for i in range(start, end) if lines[i].lstrip().startswith("- ")
                     and (_column(lines[i]) >= parent if after_key else
                          _column(lines[i]) > parent)]
            if not items:
                break
            dash = min(_column(lines[i]) for i in items)
            items = [i for i in items if _column(lines[i]) == dash]
            item = items[min(part, len(items) - 1)]
            following = [i for i in items if i > item]
            start, end = item, following[0] if following else _block_end(lines, item, dash, end)
            best, parent, after_key, depth = item, dash, False, depth + 1
            continue
        found = [(key[1], i) for i in range(start, end)
                 if (key := _key(lines[i])) is not None and key[0] == part and key[1] > parent]
        if not found:
            break
        column = min(col for col, _ in found)
        line = next(i for col, i in found if col == column)
        best, parent, after_key, depth = line, column, True, depth + 1
        start, end = line + 1, _block_end(lines, line, column, end)
    return best, depth


def _block_end(lines: list[str], line: int, column: int, end: int) -> int:
    """End of the block under the line at ``line`` whose key sits at ``column``."""
    for i in range(line + 1, end):
        col = _column(lines[i])
        if col < 0:
            continue
        if col < column or (col == column and not lines[i].lstrip().startswith("- ")):
            return i
    return end
