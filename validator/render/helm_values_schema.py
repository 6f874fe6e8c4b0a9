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
  target's values files in order, then an agent object's inline values; a ``null``
  removes a default) and validated with
  jsonschema-rs, whose retriever refuses every resource;
- each violation is a ``schema/values`` finding on the line of the values file that
  set the value (the last one that sets it, as in helm), else on the schema's line;
- each enabled vendored subchart's schema is checked the same way against the
  values under its name (or alias), coalesced with its own ``values.yaml`` and with
  the parent's ``global`` values (:mod:`validator.render.helm_subcharts`).
  Subcharts of subcharts are listed as skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.load.positions import TextLocator
from validator.load.safety import LoadLimits
from validator.model import Engine, FieldPath, Finding, Location, Severity, Skipped
from validator.render.helm_options import ValuesLayer
from validator.render.helm_subcharts import SCHEMA_FILE, Subchart, subcharts
from validator.render.helm_values import ValuesFiles
from validator.render.options import HelmParameter
from validator.schema.reading import parse_checked
from validator.schema.references import RULE, refused_references, without_identifiers

_MAX_MESSAGE = 300

#: Where the values file line that set a value is, if one does (values path -> location).
Locate = Callable[[FieldPath], Location | None]


@dataclass(frozen=True, kw_only=True)
class ValuesSchemaResult:
    """What checking one target's values against its charts' schemas found."""

    findings: tuple[Finding, ...] = ()
    """Refused references and values that do not match a schema."""
    skipped: tuple[Skipped, ...] = ()
    """Schemas not checked (subcharts of subcharts), and why."""


@dataclass(frozen=True, kw_only=True)
class _Schema:
    """One values schema to check: its text, where findings on it go, and the values."""

    text: str
    """The schema as written."""
    path: str
    """Repository-relative file findings on the schema name."""
    in_archive: bool
    """The schema is inside a chart archive: its lines are not the file's lines."""
    values: Mapping[str, Any]
    """The values to validate."""
    locate: Locate
    """Where a value was set."""
    target: str
    """The Helm target's name."""

    def finding(self, rule: str, message: str, schema_path: FieldPath) -> Finding:
        line = 0 if self.in_archive else TextLocator(self.text, path=self.path, json=True).locate(
            0, schema_path).line
        return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.SCHEMA,
                       location=Location(path=self.path, line=line), target=self.target)


def check_values_schema(root: Path, chart: str, values_files: Sequence[str], *, target: str,
                        layers: Sequence[ValuesLayer] = (),
                        parameters: Sequence[HelmParameter] = (),
                        sources_root: Path | None = None,
                        user_values: Mapping[str, Any] | None = None) -> ValuesSchemaResult:
    """Check the values of one Helm target (chart folder ``chart``) against its charts' schemas;
    ``layers`` (an agent object's inline values, in ``sources_root``) merge after the files;
    ``user_values``, when helm merged the user's values itself (``--set`` parameters), stand
    for all of them."""
    files = [f"{chart}/values.yaml", *values_files]
    values = (merged_values(root, files, [layer.values for layer in layers])
              if user_values is None else _coalesce(user_values, _load(root / files[0])))
    located = ValuesFiles(root, files, layers=layers, parameters=parameters,
                          sources_root=sources_root)
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    try:
        text = _read(root / chart / SCHEMA_FILE)
    except ValueError as exc:
        text = None
        findings.append(Finding(
            rule_id="schema/values-schema-invalid", severity=Severity.ERROR, engine=Engine.SCHEMA,
            location=Location(path=f"{chart}/{SCHEMA_FILE}", line=0), target=target,
            message=f"not a usable JSON schema: {_first_line(exc)}"))
    if text is not None:
        findings += _check(_Schema(text=text, path=f"{chart}/{SCHEMA_FILE}", in_archive=False,
                                   values=values, target=target,
                                   locate=lambda path: located.locate(tuple(map(str, path)), path)))
    for sub in subcharts(root, chart, values):
        skipped += [Skipped(path=path, reason="values schemas of subcharts of subcharts are not "
                            "checked") for path in sub.nested_schemas]
        if sub.unusable and sub.schema_text is not None:
            skipped.append(Skipped(path=sub.schema_path, reason=f"not checked: {sub.unusable}"))
        elif sub.schema_text is not None:
            findings += _check(_Schema(text=sub.schema_text, path=sub.schema_path,
                                       in_archive=sub.schema_path.endswith(".tgz"),
                                       values=subchart_values(values, sub), target=target,
                                       locate=_subchart_locate(root, located, sub)))
    return ValuesSchemaResult(findings=tuple(findings), skipped=tuple(skipped))


def _check(schema: _Schema) -> list[Finding]:
    try:
        parsed = parse_checked(schema.text.encode("utf-8"), display_path=SCHEMA_FILE)
        if not isinstance(parsed, dict):
            raise ValueError("a JSON schema must be an object")
        if refused := refused_references(parsed, check_schema_keyword=True):
            # the values are not checked against a schema that reaches outside
            return [schema.finding(RULE, ref.message, ref.path) for ref in refused]
        validator = _compile(without_identifiers(parsed, keep_root_schema=True))
    except ValueError as exc:
        return [schema.finding("schema/values-schema-invalid",
                               f"not a usable JSON schema: {_first_line(exc)}", ())]
    return list(_violations(validator, schema))


def _violations(validator: Any, schema: _Schema) -> Iterator[Finding]:
    for error in validator.iter_errors(schema.values):
        path = _value_path(error)
        shown = ".".join(map(str, path)) or "the values"
        message = f"{shown}: {_first_line(error.message)} ({schema.path})"
        where = schema.locate(path) if path else None
        if where is None:
            yield schema.finding("schema/values", message, tuple(error.schema_path))
        else:
            yield Finding(rule_id="schema/values", severity=Severity.ERROR, location=where,
                          engine=Engine.SCHEMA, target=schema.target, message=message)


def _subchart_locate(root: Path, parent: ValuesFiles, sub: Subchart) -> Locate:
    own = ValuesFiles(root, [sub.defaults_path] if sub.defaults_path else [])

    def locate(path: FieldPath) -> Location | None:
        keys = tuple(map(str, path))
        return parent.locate((sub.key, *keys), path) or own.locate(keys, path)

    return locate


def subchart_values(values: Mapping[str, Any], sub: Subchart) -> dict[str, Any]:
    """The values helm validates a subchart's schema against (always with a ``global``)."""
    own = values.get(sub.key)
    merged = _coalesce(own if isinstance(own, Mapping) else {}, sub.defaults)
    parent_global, own_global = values.get("global"), sub.defaults.get("global")
    merged["global"] = _merge(own_global if isinstance(own_global, Mapping) else {},
                              parent_global if isinstance(parent_global, Mapping) else {})
    return merged


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


def merged_values(root: Path, files: Sequence[str], inline: Sequence[Mapping[str, Any]] = ()
                  ) -> dict[str, Any]:
    """The values helm renders with: defaults (``files[0]``) coalesced with the others and
    the ``inline`` mappings merged."""
    loaded = [_load(root / path) for path in files] + [dict(values) for values in inline]
    user: dict[str, Any] = {}
    for values in loaded[1:]:
        user = _merge(user, values)
    return _coalesce(user, loaded[0] if loaded else {})


def _read(path: Path) -> str | None:
    """The file's text (None when there is none); ValueError when it cannot be used."""
    try:
        if path.stat().st_size > LoadLimits().max_file_bytes:
            raise ValueError(f"over the limit of {LoadLimits().max_file_bytes} bytes")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from exc


def _load(path: Path) -> dict[str, Any]:
    try:
        body = parse_checked(path.read_bytes(), display_path=path.name)
    except (OSError, ValueError):
        return {}  # unreadable or refused values are the render's finding
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
            if isinstance(user[key], Mapping) and isinstance(default, Mapping):
                out[key] = _coalesce(user[key], default)
        elif default is not None:
            out[key] = default
    return out


def _first_line(value: object) -> str:
    text = str(value).splitlines()[0] if str(value) else ""
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "..."
