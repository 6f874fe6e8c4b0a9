"""From a template line that only copies a value to the values file line that sets it.

A template line ``hostNetwork: {{ .Values.hostNetwork }}`` (or a block filled by
``{{- toYaml .Values.resources | nindent 12 }}``) writes whatever the values say,
so a finding on that field belongs on the line of the values file that sets it:
the target's own values files first (the last one wins, as in Helm), then the
chart's ``values.yaml``. Anything more computed stays on the template line.

A target an agent object defines merges more after its values files (in this
order, the last winning): inline mappings, each on the line of the agent object
(or ConfigMap) that writes the key, and ``--set`` parameters, each on its entry's
line. An inline ``values`` string (Argo CD ``helm.values``) is located inside the
block: the line of its key plus the line of the value within a ``|`` block (any other
string style: the key's line).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path

from validator.load.positions import TextLocator
from validator.model import FieldPath, Location
from validator.render.helm_options import ValuesLayer, parameter_keys
from validator.render.options import HelmParameter
from validator.render.sourcemap import SourceFile, parse_text, translate_path

_MAX_LINE = 2000
#: ``key: |`` (with chomping and indentation indicators, maybe a comment): a literal block.
_LITERAL = re.compile(r":\s*\|[-+0-9]*\s*(?:#.*)?$")
#: ``key: {{ .Values.a.b }}`` with harmless pipes (quote, int, default "x"...).
_COPY = re.compile(r":\s*[\"']?\{\{-?\s*\.Values\.([\w.]+)\s*(?:\|\s*(?:quote|squote|toString|int|"
                   r"int64|float64|toJson|default\s+(?:\"[^\"]*\"|[\w.$-]+))\s*){0,3}-?\}\}[\"']?\s*$")
#: ``{{- toYaml .Values.a.b | nindent 8 }}`` on a line of its own, or after ``key:``.
_BLOCK = re.compile(r"(?:^\s*|:\s*)\{\{-?\s*toYaml\s+\.Values\.([\w.]+)\s*\|\s*n?indent\s+\d+"
                    r"\s*-?\}\}\s*$")


def values_reference(lines: Sequence[str], line: int, depth: int, field_path: FieldPath
                     ) -> tuple[str, ...] | None:
    """The ``.Values`` path that writes ``field_path`` verbatim, if the template shows one.

    ``line`` is where the template writes the first ``depth`` parts of ``field_path``.
    """
    if line < 0 or len(lines[line]) > _MAX_LINE:
        return None
    rest = field_path[depth:]
    if not all(isinstance(part, str) for part in rest):
        return None
    match = _COPY.search(lines[line])
    if not rest and match and "{{" not in lines[line][:match.start()]:  # one whole value
        return tuple(match.group(1).split("."))
    following = next((text for text in lines[line + 1:] if text.strip()), "")
    for text in (lines[line], following if len(following) <= _MAX_LINE else ""):
        if match := _BLOCK.search(text):
            return (*match.group(1).split("."), *(str(part) for part in rest))
    return None


class ValuesFiles:
    """The values of one Helm target, in the order Helm merges them: files, then an agent
    object's inline mappings and parameters (read from ``sources_root``, the repository)."""

    def __init__(self, root: Path, paths: Sequence[str], *, layers: Sequence[ValuesLayer] = (),
                 parameters: Sequence[HelmParameter] = (), sources_root: Path | None = None
                 ) -> None:
        self._root = root
        self._paths = [p for p in paths if (root / p).is_file()]
        self._layers = list(layers)
        self._parameters = [p for p in parameters if p.source is not None]
        self._sources_root = sources_root or root
        self._parsed: dict[str, SourceFile | None] = {}
        self._texts: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def locate(self, values_path: tuple[str, ...], field_path: FieldPath) -> Location | None:
        """Where the last values file, inline mapping or parameter that sets ``values_path``
        sets it."""
        for parameter in reversed(self._parameters):
            keys = parameter_keys(parameter.name)
            if keys and values_path[:len(keys)] == keys and parameter.source:
                return self._at(parameter.source.path, parameter.source.index,
                                parameter.source.field, (), field_path)
        for layer in reversed(self._layers):
            if layer.target_path:
                if values_path[:len(layer.target_path)] == layer.target_path:
                    return self._at(layer.source.path, layer.source.index, layer.source.field,
                                    (), field_path)
            elif translate_path(layer.values, layer.values, values_path)[1]:
                return self._at(layer.source.path, layer.source.index, layer.source.field,
                                values_path, field_path)
        for path in reversed(self._paths):
            source = self._source(self._root, path)
            body = source.bodies[0] if source and source.bodies else None
            if source is not None and translate_path(body, body, values_path)[1]:
                found = source.locator.locate(0, values_path)
                return Location(path=path, line=found.line, column=found.column,
                                field_path=field_path)
        return None

    def _at(self, path: str, index: int, field: FieldPath, values_path: tuple[str, ...],
            field_path: FieldPath) -> Location:
        """``values_path`` of the mapping written at ``field`` of document ``index``."""
        source = self._source(self._sources_root, path)
        if source is None:
            return Location(path=path, line=0, field_path=field_path)
        written = _walk(source.bodies[index] if index < len(source.bodies) else None, field)
        if isinstance(written, str):  # a values string: the line inside its block
            key = source.locator.locate(index, field)
            lines = self._texts.get(str(self._sources_root / path), [])
            if values_path and 0 < key.line <= len(lines) and len(lines[key.line - 1]) <= \
                    _MAX_LINE and _LITERAL.search(lines[key.line - 1]):
                inner = TextLocator(written).locate(0, values_path)
                if inner.line > 0:
                    return Location(path=path, line=key.line + inner.line, field_path=field_path)
            return Location(path=path, line=key.line, column=key.column, field_path=field_path)
        found = source.locator.locate(index, (*field, *values_path))
        return Location(path=path, line=found.line, column=found.column, field_path=field_path)

    def _source(self, root: Path, path: str) -> SourceFile | None:
        full = str(root / path)
        with self._lock:
            if full not in self._parsed:
                try:
                    text = (root / path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    self._parsed[full] = None
                else:
                    self._parsed[full] = parse_text(text, path)
                    self._texts[full] = text.splitlines()
            return self._parsed[full]


def _walk(body: object, field: FieldPath) -> object:
    """The value at ``field`` of ``body`` (None when absent)."""
    for part in field:
        if isinstance(part, int) and isinstance(body, list) and 0 <= part < len(body):
            body = body[part]
        elif isinstance(part, str) and isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body
