"""kubeconform's error messages turned back into violations with exact field paths.

kubeconform's ``validationErrors`` only hold the first level of causes ("validation
failed" at ``/spec``); the leaf errors are in its one-line message, an indented
tree of ``- at '<JSON pointer>': <text>`` entries. :func:`parse_causes` keeps the
leaves (and treats ``oneOf``/``anyOf`` failures as leaves, as jsonschema-rs does).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from validator.model import FieldPath
from validator.schema.violations import LIMIT_MESSAGES, Violation, number_text

_CAUSE_RE = re.compile(r"( *)- at '((?:[^'\\]|\\.)*)': (.*?)(?= +- at '|$)")
_QUOTED_RE = re.compile(r"'((?:[^'\\]|\\.)*)'")


def parse_causes(message: str, body: Any) -> Iterator[Violation]:
    """The leaf errors of kubeconform's one-line error tree, as violations."""
    causes = [(len(m.group(1)), m.group(2), m.group(3).strip())
              for m in _CAUSE_RE.finditer(message)]
    skip_deeper: int | None = None
    for number, (indent, pointer, text) in enumerate(causes):
        if skip_deeper is not None and indent > skip_deeper:
            continue
        skip_deeper = None
        deeper = number + 1 < len(causes) and causes[number + 1][0] > indent
        keyword = _keyword(text)
        if deeper and keyword not in {"oneOf", "anyOf", "not", "allOf"}:
            continue  # an inner node ("validation failed"): its leaves follow
        if deeper:
            skip_deeper = indent
        yield _violation(keyword, pointer_path(_unquote(pointer), body), text)


def _keyword(text: str) -> str:
    checks = (("missing propert", "required"), ("additional propert", "additionalProperties"),
              ("value must be", "enum"), ("'oneOf' failed", "oneOf"), ("'anyOf' failed", "anyOf"),
              ("'allOf' failed", "allOf"), ("'not' failed", "not"), ("got ", "type"))
    for prefix, keyword in checks:
        if text.startswith(prefix):
            return keyword
    if match := re.match(r"(\w+): got ", text):
        return match.group(1)
    if " does not match pattern " in text:
        return "pattern"
    return "schema"


def _violation(keyword: str, path: FieldPath, text: str) -> Violation:
    quoted = tuple(_unquote(q) for q in _QUOTED_RE.findall(text))
    match keyword:
        case "required" | "additionalProperties":
            return Violation(keyword=keyword, path=path, names=quoted)
        case "type":
            wanted = text.rpartition(", want ")[2]
            return Violation(keyword=keyword, path=path, expected=tuple(wanted.split(" or ")))
        case "enum":
            values = text.removeprefix("value must be one of ").removeprefix("value must be ")
            return Violation(keyword=keyword, path=path, expected=tuple(values.split(", ")))
        case "pattern":
            raw = _QUOTED_RE.findall(text)[-1:]  # Go-quoted, as display() quotes
            return Violation(keyword=keyword, path=path, expected=tuple(f"'{r}'" for r in raw))
        case _ if keyword in LIMIT_MESSAGES:
            limit = number_text(text.rpartition(", want ")[2])
            return Violation(keyword=keyword, path=path, expected=(limit,))
        case _:
            return Violation(keyword=keyword, path=path, detail=text)


def _unquote(text: str) -> str:
    return text.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def pointer_path(pointer: str, body: Any) -> FieldPath:
    """A JSON pointer as a field path; sequence indexes become ints (decided by ``body``)."""
    path: list[str | int] = []
    node = body
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit():
            path.append(int(token))
            node = node[int(token)] if int(token) < len(node) else None
        else:
            path.append(token)
            node = node.get(token) if isinstance(node, dict) else None
    return tuple(path)
