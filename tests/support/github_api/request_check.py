"""Checking one request against its operation: path and query parameters, JSON body.

Parameters arrive as strings and are coerced to their schema's type before validation; a
query parameter the operation does not declare is a problem (a typo GitHub would ignore), and
so is an unknown body property (see :func:`closed`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.github_api.contract import Contract, Match


@dataclass(frozen=True, kw_only=True)
class CheckedRequest:
    """A request's parameters coerced to their schema types, its body, and what was wrong."""

    path_params: Mapping[str, object]
    query: Mapping[str, object]
    body: Any
    problems: tuple[str, ...]


def check_request(contract: Contract, match: Match, query: Mapping[str, str],
                  raw_body: bytes) -> CheckedRequest:
    """Validate path and query parameters and the JSON body of one request."""
    op = contract.operation_object(match.operation)
    params = [contract.resolve(p) for p in op.get("parameters", [])]
    problems: list[str] = []
    path_values = _check_params([p for p in params if p["in"] == "path"], match.path_params,
                                contract, problems, where="path")
    query_params = [p for p in params if p["in"] == "query"]
    known = {p["name"] for p in query_params}
    problems += [f"query parameter {name!r} is not in the contract" for name in query if name not in known]
    query_values = _check_params(query_params, {k: v for k, v in query.items() if k in known},
                                 contract, problems, where="query")
    body = _check_body(contract, op.get("requestBody"), raw_body, problems)
    return CheckedRequest(path_params=path_values, query=query_values, body=body, problems=tuple(problems))


def _coerce(value: str, schema: Mapping[str, Any]) -> object:
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _check_params(params: list[dict[str, Any]], values: Mapping[str, str], contract: Contract,
                  problems: list[str], *, where: str) -> dict[str, object]:
    coerced: dict[str, object] = {}
    for param in params:
        name = param["name"]
        schema = param.get("schema", {})
        if name not in values:
            if param.get("required"):
                problems.append(f"{where} parameter {name!r} is required")
            continue
        coerced[name] = _coerce(values[name], schema)
        problems += [f"{where} parameter {name!r} {msg.split(': ', 1)[-1]}"
                     for msg in contract.validate(schema, coerced[name])]
    return coerced


def closed(schema: Any) -> Any:
    """The request schema with unknown properties refused (``additionalProperties: false``).

    GitHub ignores keys it does not know, so a misspelt one (``annotation`` for
    ``annotations``) would be dropped silently; here it is a violation. Only objects that list
    their ``properties`` and say nothing about others are closed; ``$ref`` targets stay as they are.
    """
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) if key in ("items", "anyOf", "oneOf", "allOf") else value
           for key, value in schema.items()}
    if "properties" in out:
        out["properties"] = {name: closed(value) for name, value in schema["properties"].items()}
        out.setdefault("additionalProperties", False)
    return out


def _check_body(contract: Contract, request_body: Mapping[str, Any] | None, raw: bytes,
                problems: list[str]) -> Any:
    if not raw.strip():
        if request_body and request_body.get("required"):
            problems.append("request body is required")
        return None
    try:
        body = json.loads(raw)
    except ValueError as err:
        problems.append(f"request body is not JSON: {err}")
        return None
    if request_body is None:
        if body not in ({}, None):
            problems.append("this operation takes no request body")
        return body
    schema = closed(request_body["content"]["application/json"]["schema"])
    problems += [f"body {msg}" for msg in contract.validate(schema, body)]
    return body
