"""The GitLab endpoints the product may call (``contract.json``) and the check of one request.

Parameters come from the query string, a JSON body (python-gitlab sends JSON for POST and PUT)
or a form body (``position[new_line]=7``); they are merged, as GitLab's Grape API does, and
checked against the endpoint: an unknown name, a missing required one, a wrong type or a value
outside ``enum`` is a problem. GitLab itself ignores unknown parameters; here they are
violations, so a misspelt one cannot pass silently. Problems read as Grape's
(``state does not have a valid value``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

CONTRACT_PATH = Path(__file__).with_name("contract.json")
_PAGINATION = {"page": {"type": "integer"}, "per_page": {"type": "integer"}}


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    operation: str
    method: str
    template: str
    params: Mapping[str, Any]
    doc: str

    @property
    def segments(self) -> list[str]:
        return self.template.strip("/").split("/")


@dataclass(frozen=True, kw_only=True)
class Match:
    endpoint: Endpoint
    path_params: dict[str, Any]
    problems: tuple[str, ...]


class Contract:
    """The endpoints of ``contract.json``, matched most literal segments first."""

    def __init__(self, path: Path = CONTRACT_PATH) -> None:
        raw = json.loads(path.read_text())
        self.path_params: dict[str, Any] = raw["path_params"]
        self.endpoints = [
            Endpoint(operation=item["operation"], method=item["method"], template=item["path"],
                     params={**item["params"], **(_PAGINATION if item.get("paginated") else {})},
                     doc=item["doc"])
            for item in raw["endpoints"]]
        self.endpoints.sort(key=lambda e: -sum(not s.startswith(":") for s in e.segments))

    def match(self, method: str, raw_path: str) -> Match | None:
        """The endpoint for ``method`` and the still-encoded path below ``/api/v4``."""
        parts = raw_path.strip("/").split("/")
        for endpoint in self.endpoints:
            if endpoint.method != method or len(endpoint.segments) != len(parts):
                continue
            values: dict[str, Any] = {}
            for template, part in zip(endpoint.segments, parts, strict=True):
                if template.startswith(":") and part:
                    values[template[1:]] = unquote(part)
                elif template != part:
                    break
            else:
                problems = [f"{name} is invalid" for name, value in values.items()
                            if not _type_ok(self.path_params[name], _coerce(self.path_params[name], value))]
                coerced = {name: _coerce(self.path_params[name], value) for name, value in values.items()}
                return Match(endpoint=endpoint, path_params=coerced, problems=tuple(problems))
        return None


@functools.cache
def load_contract() -> Contract:
    return Contract()


def request_params(query: str, body: bytes, content_type: str) -> tuple[dict[str, Any], str | None]:
    """Query and body parameters merged (body wins), or a problem with the body."""
    params: dict[str, Any] = _nest(parse_qsl(query, keep_blank_values=True))
    if not body.strip():
        return params, None
    if "application/x-www-form-urlencoded" in content_type:
        return {**params, **_nest(parse_qsl(body.decode(), keep_blank_values=True))}, None
    try:
        decoded = json.loads(body)
    except ValueError as err:
        return params, f"body is not JSON: {err}"
    if not isinstance(decoded, dict):
        return params, "body is not a JSON object"
    return {**params, **decoded}, None


def check_params(specs: Mapping[str, Any], values: Mapping[str, Any],
                 prefix: str = "") -> tuple[dict[str, Any], list[str]]:
    """``values`` coerced to their types, and the problems (Grape's wording)."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    for name, given in values.items():
        label = f"{prefix}[{name}]" if prefix else name
        spec = specs.get(name)
        if spec is None:
            problems.append(f"{label} is not a parameter of this endpoint")
            continue
        value = _coerce(spec, given)
        if value is None and spec.get("nullable"):
            out[name] = None
            continue
        if not _type_ok(spec, value):
            problems.append(f"{label} is invalid")
            continue
        if "enum" in spec and value not in spec["enum"]:
            problems.append(f"{label} does not have a valid value")
            continue
        if spec["type"] == "object" and "properties" in spec:
            nested, inner = check_params(spec["properties"], value, label)
            problems += inner
            value = nested
        out[name] = value
    for name, spec in specs.items():
        if spec.get("required") and name not in values:
            problems.append(f"{f'{prefix}[{name}]' if prefix else name} is missing")
    return out, problems


def _coerce(spec: Mapping[str, Any], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    kind = spec.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value)
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _type_ok(spec: Mapping[str, Any], value: Any) -> bool:
    kind = spec.get("type")
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, str)


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs with Rack's nesting: ``position[new_line]=7`` -> ``{"position": {"new_line": "7"}}``."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        names = re.findall(r"[^\[\]]+", key) or [key]
        node = out
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1]] = value
    return out
