"""The in-process schema engine: jsonschema-rs validators, compiled once per schema file.

Chosen by measurement (benchmarks/bench_schema.py, 2,000 mixed manifests, strict):
jsonschema-rs validates in 10-30 µs per document where python-jsonschema takes
1.1-2.4 ms (about 100x), and compiles a standalone schema in 1-3.5 ms. Documents are
first checked with ``is_valid``; only invalid ones pay for error collection.
Formats are not asserted, as in kubeconform for 2020-12 schemas. Validators are
cached by the SHA-256 of the schema file's bytes, and compiled offline with a
retriever that refuses every resource: a schema can only use what it holds.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from validator.errors import SchemaError
from validator.load import Document
from validator.schema.jsonvalue import NotJsonError, json_text
from validator.schema.violations import LIMIT_MESSAGES, Violation, number_text


def refuse_retrieval(uri: str) -> Any:
    """jsonschema-rs retriever: nothing outside the schema document is ever read or fetched."""
    raise ValueError(f"reference outside the schema refused: {uri}")


@functools.lru_cache(maxsize=512)
def _compiled(key: str, data: bytes) -> Any:
    import jsonschema_rs  # noqa: PLC0415 - imported only when the engine runs

    del key  # the cache key only (the hash of ``data``)
    schema = json.loads(data)
    return jsonschema_rs.validator_for(schema, validate_formats=False, retriever=refuse_retrieval)


def compiled(path: Path) -> Any:
    """The validator of the schema file at ``path`` (cached per content hash)."""
    try:
        data = path.read_bytes()
        return _compiled(hashlib.sha256(data).hexdigest(), data)
    except (OSError, ValueError) as exc:
        raise SchemaError(f"cannot use schema {path.name}: {exc}".splitlines()[0]) from exc


class BuiltinEngine:
    """Validators of one run, looked up once per schema file."""

    def __init__(self) -> None:
        self._validators: dict[Path, Any] = {}

    def violations(self, document: Document, schema: Path) -> list[Violation]:
        """The violations of ``document`` against the schema file ``schema``.

        Raises :class:`~validator.schema.jsonvalue.NotJsonError` for a body JSON cannot hold.
        """
        validator = self._validators.get(schema)
        if validator is None:
            validator = self._validators[schema] = compiled(schema)
        return violations_of(validator, document)


def violations_of(validator: Any, document: Document) -> list[Violation]:
    """The violations of ``document`` found by a compiled ``validator``."""
    if not document.json_ready:  # the loader could not vouch for it: NaN/inf are errors
        json_text(document.body)
    body: Any = document.body
    try:
        valid = validator.is_valid(body)
    except (ValueError, TypeError):  # non-string keys, bytes: convert as kubectl would
        body = json.loads(json_text(document.body))
        try:
            valid = validator.is_valid(body)
        except (ValueError, TypeError) as exc:
            raise NotJsonError(f"holds a value the schema engine cannot read: {exc}") from exc
    return [] if valid else list(_violations(validator, body))


def _violations(validator: Any, body: Any) -> Iterator[Violation]:
    for error in validator.iter_errors(body):
        kind = error.kind
        name: str = kind.name
        path = tuple(error.instance_path)
        if name == "required":
            yield Violation(keyword=name, path=path, names=(str(kind.property),))
        elif name == "additionalProperties":
            yield Violation(keyword=name, path=path, names=tuple(map(str, kind.unexpected)))
        elif name == "type":
            yield Violation(keyword=name, path=path, expected=tuple(map(str, kind.types)))
        elif name == "enum":
            yield Violation(keyword=name, path=path, expected=tuple(map(display, kind.options)))
        elif name == "const":
            yield Violation(keyword="enum", path=path, expected=(display(kind.expected_value),))
        elif name == "pattern":
            yield Violation(keyword=name, path=path, expected=(display(kind.pattern),))
        elif name == "multipleOf":
            yield Violation(keyword=name, path=path, expected=(number_text(kind.multiple_of),))
        elif name in LIMIT_MESSAGES:
            yield Violation(keyword=name, path=path, expected=(number_text(kind.limit),))
        else:
            yield Violation(keyword=name, path=path, detail=str(error.message))


def display(value: object) -> str:
    """A value as kubeconform shows it: strings in single quotes, the rest as JSON."""
    if isinstance(value, str):
        return "'" + json.dumps(value)[1:-1].replace("'", "\\'") + "'"
    return json.dumps(value)
