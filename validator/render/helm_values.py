"""From a template line that only copies a value to the values file line that sets it.

A template line ``hostNetwork: {{ .Values.hostNetwork }}`` (or a block filled by
``{{- toYaml .Values.resources | nindent 12 }}``) writes whatever the values say,
so a finding on that field belongs on the line of the values file that sets it:
the target's own values files first (the last one wins, as in Helm), then the
chart's ``values.yaml``. Anything more computed stays on the template line.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path

from validator.model import FieldPath, Location
from validator.render.sourcemap import SourceFile, parse_text, translate_path

_MAX_LINE = 2000
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
    """The value files of one Helm target, in the order Helm merges them."""

    def __init__(self, root: Path, paths: Sequence[str]) -> None:
        self._root = root
        self._paths = [p for p in paths if (root / p).is_file()]
        self._parsed: dict[str, SourceFile | None] = {}
        self._lock = threading.Lock()

    def locate(self, values_path: tuple[str, ...], field_path: FieldPath) -> Location | None:
        """Where the last values file that sets ``values_path`` sets it."""
        for path in reversed(self._paths):
            source = self._source(path)
            body = source.bodies[0] if source and source.bodies else None
            if source is not None and translate_path(body, body, values_path)[1]:
                found = source.locator.locate(0, values_path)
                return Location(path=path, line=found.line, column=found.column,
                                field_path=field_path)
        return None

    def _source(self, path: str) -> SourceFile | None:
        with self._lock:
            if path not in self._parsed:
                try:
                    text = (self._root / path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    self._parsed[path] = None
                else:
                    self._parsed[path] = parse_text(text, path)
            return self._parsed[path]
