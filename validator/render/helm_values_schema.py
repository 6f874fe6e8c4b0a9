"""A chart's ``values.schema.json``, checked here instead of by helm, and never outside itself.

helm validates values against ``values.schema.json`` itself and follows every
``$ref`` in it, fetching URLs and reading local files, so the chart under check
could make the validator connect anywhere. Charts are rendered with
``--skip-schema-validation`` and this module does helm's check in process:

- the schema's references are checked first (:mod:`validator.schema.references`):
  a reference leaving the schema, a ``$dynamicRef``/``$recursiveRef`` or an unknown
  ``$schema`` is a ``schema/remote-reference`` finding on its line of
  ``values.schema.json``, and the values are then not validated against it;
- the values are merged as helm merges them (the chart's ``values.yaml``, then the
  target's values files in order; a ``null`` removes a default) and validated with
  jsonschema-rs, whose retriever refuses every resource;
- each violation is a ``schema/values`` finding on the line of the values file that
  set the value (the last one that sets it, as in helm), else on the schema's line.

Subcharts' own schemas are not checked yet: they are listed as skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from validator.load.positions import TextLocator
from validator.load.safety import LoadLimits
from validator.model import Engine, FieldPath, Finding, Location, Severity, Skipped
from validator.render.helm_values import ValuesFiles
from validator.schema.references import (
    RULE,
    RefusedReference,
    refused_references,
    without_identifiers,
)

SCHEMA_FILE = "values.schema.json"
_MAX_MESSAGE = 300


@dataclass(frozen=True, kw_only=True)
class ValuesSchemaResult:
    """What checking one target's values against its chart's schema found."""

    findings: tuple[Finding, ...] = ()
    """Refused references and values that do not match the schema."""
    skipped: tuple[Skipped, ...] = ()
    """Schemas not checked (subcharts), and why."""


def check_values_schema(root: Path, chart: str, values_files: Sequence[str], *, target: str
                        ) -> ValuesSchemaResult:
    """Check the values of one Helm target (chart folder ``chart``) against its schema."""
    skipped = tuple(Skipped(path=path, reason="subchart values schemas are not checked yet")
                    for path in _subchart_schemas(root, chart))
    schema_path = f"{chart}/{SCHEMA_FILE}"
    if not (root / schema_path).is_file():
        return ValuesSchemaResult(skipped=skipped)
    report = _Reporter(path=schema_path, target=target)
    try:
        text, validator, refused = _read_schema(root / schema_path)
    except ValueError as exc:
        return ValuesSchemaResult(skipped=skipped, findings=(report.finding(
            "render/values-schema-invalid", f"not a usable JSON schema: {_first_line(exc)}", 1),))
    locator = TextLocator(text, path=schema_path, json=True)
    if refused:  # the values are not checked against a schema that reaches outside
        return ValuesSchemaResult(skipped=skipped, findings=tuple(
            report.finding(RULE, ref.message, locator.locate(0, ref.path).line) for ref in refused))
    files = [f"{chart}/values.yaml", *values_files]
    return ValuesSchemaResult(skipped=skipped, findings=tuple(_violations(
        validator, merged_values(root, files), ValuesFiles(root, files), locator, report)))


def _read_schema(file: Path) -> tuple[str, Any, list[RefusedReference]]:
    """The schema's text, its validator (None when a reference is refused) and the refused
    references; ValueError when it is not a usable schema."""
    try:
        if file.stat().st_size > LoadLimits().max_file_bytes:
            raise ValueError(f"over {LoadLimits().max_file_bytes} bytes")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from exc
    schema = json.loads(text)
    if not isinstance(schema, dict | bool):
        raise ValueError("a JSON schema must be an object")
    if refused := refused_references(schema, check_schema_keyword=True):
        return text, None, refused
    return text, _compile(without_identifiers(schema, keep_root_schema=True)), []


def _violations(validator: Any, values: dict[str, Any], located: ValuesFiles, locator: TextLocator,
                report: _Reporter) -> Iterator[Finding]:
    for error in validator.iter_errors(values):
        path = _value_path(error)
        where = located.locate(tuple(map(str, path)), path) if path else None
        if where is None:
            where = Location(path=report.path, field_path=path,
                             line=locator.locate(0, tuple(error.schema_path)).line)
        shown = ".".join(map(str, path)) or "the values"
        yield Finding(rule_id="schema/values", severity=Severity.ERROR, location=where,
                      engine=Engine.SCHEMA, target=report.target,
                      message=f"{shown}: {_first_line(error.message)} ({report.path})")


@dataclass(frozen=True, kw_only=True)
class _Reporter:
    path: str
    target: str

    def finding(self, rule: str, message: str, line: int) -> Finding:
        return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.SCHEMA,
                       location=Location(path=self.path, line=line), target=self.target)


def _refuse(uri: str) -> Any:
    raise ValueError(f"reference outside the schema refused: {uri}")


def _compile(schema: Any) -> Any:
    import jsonschema_rs  # noqa: PLC0415 - imported only for charts with a values schema

    try:
        return jsonschema_rs.validator_for(schema, retriever=_refuse)
    except jsonschema_rs.ValidationError as exc:
        raise ValueError(str(exc)) from exc


def _value_path(error: Any) -> FieldPath:
    path: FieldPath = tuple(error.instance_path)
    if error.kind.name == "additionalProperties" and error.kind.unexpected:
        return (*path, str(error.kind.unexpected[0]))
    return path


def merged_values(root: Path, files: Sequence[str]) -> dict[str, Any]:
    """The values helm renders with: defaults (``files[0]``) coalesced with the others merged."""
    loaded = [_load(root / path) for path in files]
    user: dict[str, Any] = {}
    for values in loaded[1:]:
        user = _merge(user, values)
    return _coalesce(user, loaded[0] if loaded else {})


def _load(path: Path) -> dict[str, Any]:
    try:
        body = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # unreadable values are the render's finding
    return body if isinstance(body, dict) else {}


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """helm's mergeMaps: later files win, maps merge key by key."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _coalesce(user: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """helm's coalesceValues: user values over chart defaults; a user ``null`` deletes the key."""
    out = {key: value for key, value in user.items() if value is not None}
    for key, default in defaults.items():
        if key in user:
            if user[key] is not None and isinstance(user[key], Mapping) and isinstance(default, Mapping):
                out[key] = _coalesce(user[key], default)
        elif default is not None:
            out[key] = default
    return out


def _subchart_schemas(root: Path, chart: str) -> list[str]:
    charts = root / chart / "charts"
    if not charts.is_dir():
        return []
    found = [f"{chart}/charts/{sub.name}/{SCHEMA_FILE}" for sub in sorted(charts.iterdir())
             if (sub / SCHEMA_FILE).is_file()]
    found += [f"{chart}/charts/{archive.name}" for archive in sorted(charts.glob("*.tgz"))]
    return found


def _first_line(value: object) -> str:
    text = str(value).splitlines()[0] if str(value) else ""
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "..."
