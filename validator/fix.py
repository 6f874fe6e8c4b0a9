"""A rule's declared fix (``Finding.fix``) as the replacement for one source line.

Pure and conservative: a replacement is offered only when the finding's line is a
single-line ``key: scalar`` mapping entry (or ``- key: scalar`` list item) whose key is
the last element of the finding's field path and whose value is a plain or quoted
scalar: no block scalar, anchor, alias, tag or flow collection, nothing continued on
another line that we can see. Indentation, the key as written, the spacing, a
trailing ``# comment`` and the line ending are kept; a quoted string value keeps its
quotes. The result is read back with the loader manifests are read with (the Go
tools' scalars) and with YAML 1.1, and must be the same entry holding exactly the
fix's value in both, else there is no suggestion: a reviewer who commits a suggestion
must never get a different change than the rule meant.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

import yaml

from validator.load.safety import LimitExceededError, LoadLimits
from validator.load.yaml_loader import load_single_document
from validator.model import Finding, FixValue

_ENTRY = re.compile(r"""
    (?P<head>[ ]*(?:-[ ]+)?
      (?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[A-Za-z0-9_./][^\s:#,\[\]{}]*)
      [ ]*:[ ]+)
    (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'
      |(?:[^\s\-?:,\[\]{}\#&*!|>'"%@`]|-(?=\S))[^,\[\]{}]*?)
    (?P<tail>(?:[ \t]+\#.*)?[ \t]*)
    """, re.VERBOSE)

#: Plain strings written without quotes: word-like and read as the same string by
#: YAML 1.1 and by the Go tools (checked again after rendering).
_PLAIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
_LIMITS = LoadLimits()
_MISSING = object()


def _read_entry(text: str) -> tuple[object, object] | None:
    """``(key, value)`` of a one-entry mapping as both readers read it, or None."""
    try:
        ours = load_single_document(text, _LIMITS)
        yaml11 = yaml.safe_load(text)  # pure PyYAML: stricter than libyaml about tabs
    except (yaml.YAMLError, LimitExceededError, ValueError):
        return None
    if not (isinstance(ours, dict) and isinstance(yaml11, dict) and len(ours) == len(yaml11) == 1):
        return None
    (key, value), (key11, value11) = next(iter(ours.items())), next(iter(yaml11.items()))
    if key != key11 or isinstance(value, dict | list) or isinstance(value11, dict | list):
        return None
    return key, value if _same(value, value11) else _MISSING


def _same(a: object, b: object) -> bool:
    """Equal and of the same type (``0 == False`` in Python, not in YAML)."""
    return type(a) is type(b) and a == b


def _renderings(value: FixValue, written: str) -> tuple[str, ...]:
    """``value`` as YAML scalars to try in turn: in the quoting style of ``written`` where
    it is a string, else plain, then double-quoted (``true`` the string needs quotes)."""
    if not isinstance(value, str):
        text = _non_string(value)
        return (text,) if text else ()
    quoted = json.dumps(value, ensure_ascii=False)
    if written.startswith("'") and "\n" not in value:
        return ("'" + value.replace("'", "''") + "'",)
    if written.startswith('"') or not _PLAIN_WORD.fullmatch(value):
        return (quoted,)
    return (value, quoted)


def _non_string(value: bool | int | float | None) -> str:
    """A non-string scalar as YAML writes it; empty for a float YAML cannot hold exactly."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def suggested_line(finding: Finding, line: str) -> str | None:
    """The replacement for ``line`` (the source line at ``finding.location.line``) that
    applies the finding's fix, or None when no safe, mechanical replacement exists.

    One line cannot show that a plain value does not go on over the next lines: callers
    holding the file use :func:`suggestion_block`, which checks that too."""
    fix, location = finding.fix, finding.location
    field = location.field_path[-1] if location.field_path else None
    if fix is None or not isinstance(field, str) or location.line < 1 or (
            fix.fields and field not in fix.fields):
        return None
    body = line.removesuffix("\n").removesuffix("\r")
    ending = line[len(body):]
    match = _ENTRY.fullmatch(body)
    if match is None or "\n" in body or "\r" in body:
        return None
    key_column = len(match["head"]) - len(match["head"].lstrip(" -")) + 1
    if location.column and location.column != key_column:
        return None
    entry = body[key_column - 1:]
    before = _read_entry(entry)
    if before is None or before[0] != field or before[1] is _MISSING or _same(before[1], fix.value):
        return None
    for rendered in _renderings(fix.value, match["value"]):
        replaced = match["head"] + rendered + match["tail"]
        after = _read_entry(replaced[key_column - 1:])
        if after is not None and after[0] == field and _same(after[1], fix.value):
            return replaced + ending
    return None


def _continued(line: str, following: Sequence[str]) -> bool:
    """True when the next non-blank line is indented past the key of ``line``: the value may
    go on there (a plain scalar spans lines), so replacing one line would not replace it."""
    key_indent = len(line) - len(line.lstrip(" -"))
    for text in following:
        if text.strip():
            return len(text) - len(text.lstrip(" ")) > key_indent
    return False


def suggestion_block(finding: Finding, lines: Sequence[str]) -> str | None:
    """A GitHub ```` ```suggestion ```` block replacing the finding's line of ``lines`` (the
    head-side file), or None when there is no safe suggestion. The fence is longer than any
    run of backticks in the line, so a backtick in a comment cannot close it early."""
    number = finding.location.line
    if not 1 <= number <= len(lines):
        return None
    line = lines[number - 1]
    replacement = suggested_line(finding, line)
    if replacement is None or _continued(line, lines[number:]):
        return None
    text = replacement.rstrip("\r\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}suggestion\n{text}\n{fence}"
