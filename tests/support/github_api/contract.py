"""The OpenAPI contract every request to the test server is checked against.

The product may only call endpoints of ``../shared/github/openapi-subset.json`` and of
``contract-supplement.json`` beside this module (operations the shared subset lacks, written
from GitHub's REST documentation; its paths are added to the shared document and its ``$ref``
name the shared components). This module turns them into a path matcher and jsonschema
validators so that a request outside the contract, or with a malformed query or body, is a
recorded violation instead of something the fake quietly accepts. ``$ref`` is resolved inside
the document; OpenAPI 3.0's ``nullable`` is rewritten into JSON Schema before validating.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

_DOC_URI = "urn:github:openapi-subset"
_METHODS = ("get", "post", "put", "patch", "delete")


class ContractMissingError(RuntimeError):
    """The shared contract directory is not where the tests expect it."""


class ContractError(RuntimeError):
    """A supplement that would change the shared contract instead of adding to it."""


def shared_dir() -> Path:
    """``$GITOPS_VALIDATOR_SHARED`` or ``<repo root>/../shared``; a clear error when absent."""
    default = Path(__file__).resolve().parents[3].parent / "shared"
    root = Path(os.environ.get("GITOPS_VALIDATOR_SHARED", str(default)))
    if not (root / "github" / "openapi-subset.json").is_file():
        raise ContractMissingError(
            f"{root}/github/openapi-subset.json not found: set GITOPS_VALIDATOR_SHARED to the "
            "shared contracts directory (the one holding github/openapi-subset.json)")
    return root


def default_contract_path() -> Path:
    """The OpenAPI subset the product is allowed to call."""
    return shared_dir() / "github" / "openapi-subset.json"


def default_supplement_path() -> Path:
    """The operations the test server serves beyond the shared subset (see the module docstring)."""
    return Path(__file__).with_name("contract-supplement.json")


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One method + path template of the contract."""

    operation_id: str
    method: str
    template: str
    pointer: str
    """JSON pointer of the operation object inside the document."""
    pattern: re.Pattern[str]
    literal_segments: int
    """Segments without a parameter; more literal templates win when several match."""


@dataclass(frozen=True, kw_only=True)
class Match:
    """A request's operation and its path parameters (still strings)."""

    operation: Operation
    path_params: Mapping[str, str]


def _nullable_to_json_schema(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 ``nullable: true`` as JSON Schema (in place on a copy)."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if isinstance(out.get("enum"), list):
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date-time")(_check_date_time)


@functools.cache
def load_contract(path: Path, supplement: Path | None = None) -> Contract:
    """The contract at ``path`` (plus ``supplement``), parsed once per test process (it is
    never modified)."""
    return Contract(path, supplement=supplement)


class Contract:
    """The operations of the OpenAPI subset, ready to match and validate requests."""

    def __init__(self, path: Path, *, supplement: Path | None = None) -> None:
        self.path = path
        raw = json.loads(path.read_text())
        if supplement is not None:
            _add_supplement(raw, supplement)
        self.document: dict[str, Any] = _nullable_to_json_schema(copy.deepcopy(raw))
        self._registry: Registry[Any] = Registry().with_resource(
            _DOC_URI, Resource.from_contents(self.document, default_specification=DRAFT7))
        self.operations = sorted(self._operations(), key=lambda op: -op.literal_segments)
        self.by_id = {op.operation_id: op for op in self.operations}

    def _operations(self) -> list[Operation]:
        found = []
        for template, item in self.document["paths"].items():
            for method in _METHODS:
                if method in item:
                    found.append(_operation(template, method, item[method]))
        return found

    def match(self, method: str, path: str) -> Match | None:
        """The operation serving ``method path``; None when the contract has no such endpoint."""
        for op in self.operations:
            if op.method != method.lower():
                continue
            found = op.pattern.fullmatch(path)
            if found:
                return Match(operation=op, path_params=found.groupdict())
        return None

    def operation_object(self, op: Operation) -> dict[str, Any]:
        """The operation's OpenAPI object (parameters, requestBody, responses)."""
        node: Any = self.document
        for part in op.pointer.split("/")[1:]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    def resolve(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """Follow a local ``$ref`` (parameters, schemas) to the object it names."""
        while "$ref" in node:
            target: Any = self.document
            for part in str(node["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return dict(node)

    def response_schema(self, op: Operation, status: int) -> dict[str, Any] | None:
        """The JSON schema of ``op``'s answer with ``status``; None when the contract has none."""
        response = self.operation_object(op).get("responses", {}).get(str(status))
        if response is None:
            return None
        content = self.resolve(response).get("content", {}).get("application/json")
        return dict(content["schema"]) if content else None

    def validate(self, schema: Mapping[str, Any], instance: object) -> list[str]:
        """Problems of ``instance`` against a schema of the document (``$ref`` resolved)."""
        validator = jsonschema.Draft7Validator(_with_base(schema), registry=self._registry,
                                               format_checker=_FORMATS)
        return [f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
                for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.path))]


def _add_supplement(document: dict[str, Any], supplement: Path) -> None:
    """Add the supplement's paths and components to ``document``; refuse a redefinition."""
    extra = json.loads(supplement.read_text())
    for template, item in extra.get("paths", {}).items():
        known = document["paths"].setdefault(template, {})
        for method, operation in item.items():
            if method in known:
                raise ContractError(f"{supplement}: {method.upper()} {template} is in the shared "
                                    "contract already")
            known[method] = operation
    for section, entries in extra.get("components", {}).items():
        known = document.setdefault("components", {}).setdefault(section, {})
        for name, value in entries.items():
            if known.get(name, value) != value:
                raise ContractError(f"{supplement}: components/{section}/{name} differs from the "
                                    "shared contract's")
            known[name] = value


def _with_base(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Rewrite local refs so they resolve against the registered document."""
    text = json.dumps(schema).replace('"$ref": "#/', f'"$ref": "{_DOC_URI}#/')
    result: dict[str, Any] = json.loads(text)
    return result


def _operation(template: str, method: str, op: Mapping[str, Any]) -> Operation:
    regex = ""
    literal = 0
    for segment in template.strip("/").split("/"):
        names = re.findall(r"\{(\w+)\}", segment)
        if not names:
            literal += 1
            regex += "/" + re.escape(segment)
            continue
        # {path} (contents) and {basehead} (refs with slashes) may span segments.
        part = re.escape(segment)
        for name in names:
            value = ".+" if name in ("path", "basehead") else "[^/]+"
            part = part.replace(re.escape("{" + name + "}"), f"(?P<{name}>{value})")
        regex += "/" + part
    pointer = "/paths/" + template.replace("~", "~0").replace("/", "~1") + "/" + method
    return Operation(operation_id=str(op["operationId"]), method=method, template=template,
                     pointer=pointer, pattern=re.compile(regex), literal_segments=literal)
