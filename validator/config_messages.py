"""Configuration-file schema errors in plain words.

``jsonschema`` explains a problem in its own vocabulary (``'x' is not of type
'integer'``, ``does not match '^v?[0-9]+...'``); a person editing
``.gitops-validator.yaml`` should read what the value must be instead. This module
turns one validation error into that sentence; :mod:`validator.repo_config` adds the
file, line and key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

_TYPE_WORDS = {"string": "a string", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a mapping of keys to values",
               "null": "empty"}

#: What a ``pattern`` of the config schema asks for, in words.
_PATTERN_WORDS = {
    r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?$": "is not a Kubernetes version such as 1.31 or 1.31.0",
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$": ("is not a valid name: use lower-case letters, digits and "
                                         "'-', starting and ending with a letter or digit"),
}


#: YAML types in the order they must be tested (``bool`` is an ``int`` in Python).
_VALUE_WORDS: tuple[tuple[type, str], ...] = (
    (bool, "true or false"), (int, "a whole number"), (float, "a number"), (str, "a string"),
    (list, "a list"), (dict, "a mapping"), (type(None), "empty"))


def yaml_type(value: object) -> str:
    """How a YAML author calls the type of ``value``: ``a string``, ``a list``..."""
    return next((word for kind, word in _VALUE_WORDS if isinstance(value, kind)),
                type(value).__name__)


def _shown(value: object) -> str:
    """A value as its YAML author wrote it: ``'fatal'``, ``0``, ``true``, ``nothing``,
    ``a list`` (never a Python repr such as ``None`` or ``True``)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return repr(value)
    return yaml_type(value)


def _type(expected: Any, value: object) -> str:
    wanted = [expected] if isinstance(expected, str) else list(expected)
    return f"must be {' or '.join(_TYPE_WORDS.get(name, name) for name in wanted)}, not {yaml_type(value)}"


def _required(expected: Any, value: object) -> str:
    missing = [key for key in expected if isinstance(value, Mapping) and key not in value]
    return f"the key {(missing or expected)[0]!r} is missing"


def _not(expected: Any, value: object) -> str:
    if isinstance(expected, Mapping) and expected.get("pattern") == "^/":
        return f"{value!r} must be a path relative to the repository root, not an absolute path"
    return f"{value!r} is not a valid value"


def _min_length(expected: Any, _value: object) -> str:
    return "must not be empty" if expected == 1 else f"must be at least {expected} characters long"


_SENTENCES: dict[str, Callable[[Any, object], str]] = {
    "type": _type,
    "enum": lambda expected, value: f"must be one of {', '.join(map(str, expected))} (got {_shown(value)})",
    "const": lambda expected, value: f"must be {expected} (got {_shown(value)})",
    "minimum": lambda expected, value: f"must be at least {expected} (got {_shown(value)})",
    "exclusiveMinimum": lambda expected, value: f"must be more than {expected} (got {_shown(value)})",
    "maximum": lambda expected, value: f"must be at most {expected} (got {_shown(value)})",
    "exclusiveMaximum": lambda expected, value: f"must be less than {expected} (got {_shown(value)})",
    "minLength": _min_length,
    "maxLength": lambda expected, _value: f"must be at most {expected} characters long",
    "minItems": lambda expected, _value: f"must list at least {expected} item(s)",
    "pattern": lambda expected, value: (
        f"{value!r} {_PATTERN_WORDS.get(str(expected), 'is not in the expected form')}"),
    "required": _required,
    "not": _not,
}


def plain_message(error: ValidationError) -> str:
    """The error as one plain sentence about the value (the key is added by the caller)."""
    sentence = _SENTENCES.get(str(error.validator))
    if sentence is not None:
        return sentence(error.validator_value, error.instance)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    description = schema.get("description")
    return f"{error.instance!r} is not a valid value" + (f" ({description})" if description else "")
