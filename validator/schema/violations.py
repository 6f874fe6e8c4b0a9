"""Schema violations in one engine-neutral shape, and the findings they become.

Both engines translate their errors into :class:`Violation` values (keyword,
instance path, details); :func:`violation_findings` turns them into findings with
the same rule ids, messages and locations whichever engine ran. An unknown field
points at the field itself, a missing required field at the object that lacks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from validator.load import Document
from validator.model import Engine, FieldPath, Finding, Severity, format_field_path
from validator.schema.standalone import INTEGER_FORMATS

_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")
_GO_POWER_RE = re.compile(r"(-?[\d.]+)\u00d710([\u207b\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)")
_SUPERSCRIPTS = str.maketrans("\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",
                              "-0123456789")
_FORMAT_BOUNDS = tuple(bound for pair in INTEGER_FORMATS.values() for bound in pair)

#: Keywords with one limit (``Violation.expected[0]``) and how their message reads.
LIMIT_MESSAGES = {
    "minimum": "must be >= {}", "maximum": "must be <= {}",
    "exclusiveMinimum": "must be > {}", "exclusiveMaximum": "must be < {}",
    "multipleOf": "must be a multiple of {}",
    "minLength": "must be at least {} characters long", "maxLength": "must be at most {} characters long",
    "minItems": "must have at least {} items", "maxItems": "must have at most {} items",
    "minProperties": "must have at least {} fields", "maxProperties": "must have at most {} fields",
    "pattern": "must match the pattern {}",
}


def number_text(value: object) -> str:
    """A limit as text, the same whichever engine reported it (``3``, ``0.5``).

    kubeconform prints large numbers as ``2.147483647`` times ``10`` to the 9th (in
    superscript digits) and rounds them to a
    float's 53 bits; a limit that rounds to an ``int32``/``int64`` format bound is
    shown as that exact bound, as jsonschema-rs reports it.
    """
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):  # exact, even beyond a float's 53 bits (int64 bounds)
        return str(int(text))
    if match := _GO_POWER_RE.fullmatch(text):
        text = f"{match.group(1)}e{match.group(2).translate(_SUPERSCRIPTS)}"
    try:
        number = float(text)
    except ValueError:
        return str(value)
    for bound in _FORMAT_BOUNDS:
        if number == float(bound):
            return str(bound)
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One failed schema keyword at one place in a document."""

    keyword: str
    """JSON Schema keyword (``type``, ``required``, ``additionalProperties``...)."""
    path: FieldPath
    """Instance path of the failing value (for ``required``, the object missing the field)."""
    names: tuple[str, ...] = ()
    """The missing (``required``) or unexpected (``additionalProperties``) property names."""
    expected: tuple[str, ...] = ()
    """Expected types (``type``) or allowed values (``enum``), as text."""
    detail: str = ""
    """The engine's own message, used for the other keywords."""


def rule_id(keyword: str) -> str:
    """``additionalProperties`` -> ``schema/additional-properties``."""
    return "schema/" + _CAMEL_RE.sub("-", keyword).lower()


def json_type(value: object) -> str:
    """The JSON type name of a parsed YAML/JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def value_at(document: Document, path: FieldPath) -> object:
    """The value at ``path`` in the document's body (None when absent)."""
    node: object = document.body
    for part in path:
        present = (part in node if isinstance(node, dict) else
                   isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not present:
            return None
        node = node[part]  # type: ignore[index]
    return node


def violation_findings(document: Document, violations: Sequence[Violation],
                       engine: Engine) -> Iterator[Finding]:
    """The findings of ``violations`` of ``document``."""
    resource = document.resource
    subject = f"{document.kind} {document.api_version}"
    for violation in violations:
        for path, message in _messages(document, violation, subject):
            yield Finding(rule_id=rule_id(violation.keyword), severity=Severity.ERROR,
                          message=message, location=document.locate(path), engine=engine,
                          resource=resource, target=document.target)


def _messages(document: Document, violation: Violation, subject: str
              ) -> Iterator[tuple[FieldPath, str]]:
    field = format_field_path(violation.path) or "the object"
    match violation.keyword:
        case "required":
            for name in violation.names:
                full = format_field_path((*violation.path, name))
                yield violation.path, f"missing required field '{full}' ({subject})"
        case "additionalProperties":
            for name in violation.names:
                path = (*violation.path, name)
                yield path, (f"unknown field '{format_field_path(path)}': not in the schema of "
                             f"{subject}")
        case "type":
            wanted = sorted(t for t in violation.expected if t != "null") or ["null"]
            got = json_type(value_at(document, violation.path))
            yield violation.path, f"{field}: expected {' or '.join(wanted)}, got {got}"
        case "enum" | "const":
            yield violation.path, f"{field}: must be one of {', '.join(violation.expected)}"
        case keyword if keyword in LIMIT_MESSAGES and violation.expected:
            yield violation.path, f"{field}: {LIMIT_MESSAGES[keyword].format(violation.expected[0])}"
        case "oneOf" | "anyOf":
            none = "none matched" in violation.detail or "not valid under any" in violation.detail
            how = "none" if none or violation.keyword == "anyOf" else "more than one"
            got = json_type(value_at(document, violation.path))
            yield violation.path, (f"{field}: this {got} matches {how} of the forms the schema "
                                   f"allows ({violation.keyword})")
        case _:
            yield violation.path, f"{field}: {violation.detail}"
