"""Reading one file (or render output) into documents and load findings, safely.

Speed: PyYAML's C parser does the scanning; positions are not built here at all
(see :mod:`validator.load.positions`, used only for documents with findings).
Safety: a size limit before parsing, strict UTF-8, libyaml's own nesting cap plus
our depth limit, and an alias-expansion budget so a billion-laughs file fails fast
with bounded memory. Bad input becomes a finding; nothing here raises for it.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validator.load.construct import FastConstructor, NeedsFullConstructor
from validator.load.document import Document, Locator
from validator.load.positions import TextLocator
from validator.load.safety import (
    LimitExceededError,
    LoadLimits,
    check_limits,
    gc_paused,
    needs_limit_walk,
)
from validator.model import Engine, Finding, Location, Severity, Skipped

__all__ = ["LoadLimits", "LoadOptions", "LoadResult", "load_bytes", "load_file"]

JSON_SUFFIXES = (".json",)


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    """How strictly to load."""

    limits: LoadLimits = field(default_factory=LoadLimits)
    """Size, depth and alias-expansion limits."""
    strict: bool = False
    """Duplicate keys are errors (otherwise warnings)."""
    skip_non_kubernetes: bool = False
    """Documents without ``apiVersion``/``kind`` are reported as skipped instead of as errors."""


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    """What one file yielded."""

    documents: tuple[Document, ...] = ()
    """The objects to check (``kind: List`` items expanded)."""
    findings: tuple[Finding, ...] = ()
    """Problems found while loading."""
    skipped: tuple[Skipped, ...] = ()
    """Documents or files deliberately not checked."""


_RESOLVED: dict[str, str] = {}
_RESOLVED_MAX = 200_000


class _Loader(yaml.CSafeLoader):
    """C parser and composer, safe constructor, duplicate-key detection."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[object, yaml.Mark]] = []

    def resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        """Implicit tags of plain scalars, memoised: manifests repeat the same keys and values."""
        if kind is yaml.ScalarNode and implicit[0] and value is not None:
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_RESOLVED) > _RESOLVED_MAX:
                    _RESOLVED.clear()
                _RESOLVED[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call,no-any-return]

    # No path resolvers are registered, so the composer's per-node bookkeeping for them
    # is skipped (it is a tenth of the load time on large repositories).
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def construct_scalar_value(self, node: yaml.ScalarNode) -> Any:
        """An int or float scalar, with every YAML 1.1 spelling PyYAML accepts."""
        if node.tag == "tag:yaml.org,2002:int":
            return self.construct_yaml_int(node)
        return self.construct_yaml_float(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)
        merged = len(node.value) - own
        mapping: dict[Any, Any] = {}
        own_keys: set[object] = set()  # keys merged in with << may be overridden freely
        for position, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark)
            if position >= merged:
                if key in own_keys:
                    self.duplicates.append((key, key_node.start_mark))
                own_keys.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# YAML 1.1 resolution without timestamps: dates stay strings, as in Kubernetes' JSON.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def _construct(loader: _Loader, node: yaml.Node | None, max_depth: int) -> tuple[object, bool]:
    """The document's value, and whether it is plain JSON data (fast path) or unknown."""
    if node is None:
        return None, True
    fast = FastConstructor(loader.construct_scalar_value, max_depth)
    try:
        value = fast.construct(node)
    except NeedsFullConstructor:
        return loader.construct_document(node), False
    loader.duplicates.extend(fast.duplicates)
    return value, fast.json_ready


def load_file(path: Path, *, display_path: str, options: LoadOptions | None = None) -> LoadResult:
    """Load the file at ``path``; findings name it as ``display_path``."""
    options = options or LoadOptions()
    try:
        size = path.stat().st_size
        if size > options.limits.max_file_bytes:
            return _single(display_path, "load/too-large",
                           f"file is {size} bytes, over the limit of "
                           f"{options.limits.max_file_bytes} bytes; not checked", 0)
        data = path.read_bytes()
    except OSError as exc:
        return _single(display_path, "load/unreadable", f"cannot read file: {exc.strerror}", 0)
    return load_bytes(data, display_path=display_path, options=options)


def load_bytes(data: bytes, *, display_path: str, options: LoadOptions | None = None,
               locator: Locator | None = None) -> LoadResult:
    """Load YAML or JSON ``data``; ``locator`` overrides where positions point (render output)."""
    options = options or LoadOptions()
    if len(data) > options.limits.max_file_bytes:
        return _single(display_path, "load/too-large",
                       f"input is {len(data)} bytes, over the limit of "
                       f"{options.limits.max_file_bytes} bytes; not checked", 0)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return _single(display_path, "load/encoding",
                       f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); not checked", line, column)
    locator = locator or TextLocator(text, path=display_path,
                                     json=display_path.endswith(JSON_SUFFIXES))
    with gc_paused():
        if display_path.endswith(JSON_SUFFIXES):
            return _load_json(text, display_path, locator, options)
        return _load_yaml(text, display_path, locator, options)


def _load_yaml(text: str, display_path: str, locator: Locator, options: LoadOptions) -> LoadResult:
    builder = _Builder(display_path, locator, options)
    loader = _Loader(text)
    walk = needs_limit_walk(text, options.limits)
    index = 0
    try:
        while loader.check_node():
            body, json_ready = _construct(loader, loader.get_node(), options.limits.max_depth)
            if walk:
                check_limits(body, options.limits)
            builder.add(body, index, json_ready=json_ready)
            index += 1
    except LimitExceededError as exc:
        builder.finding("load/limit", f"{exc}; this document and the rest of the file are not "
                        "checked", locator.locate(index, ()).line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        builder.finding("load/syntax", f"YAML syntax error: {problem}"
                        + ("; the rest of the file is not checked" if index else ""),
                        mark.line + 1 if mark else 0, mark.column + 1 if mark else 0)
    except (yaml.YAMLError, RecursionError) as exc:
        builder.finding("load/syntax", f"YAML error: {exc}", 0)
    finally:
        loader.dispose()
    for key, mark in loader.duplicates:
        builder.finding("load/duplicate-key", f"duplicate key {key!r}: the last value wins",
                        mark.line + 1, mark.column + 1,
                        severity=Severity.ERROR if options.strict else Severity.WARNING)
    return builder.result()


def _load_json(text: str, display_path: str, locator: Locator, options: LoadOptions) -> LoadResult:
    builder = _Builder(display_path, locator, options)
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        body = json.loads(text, object_pairs_hook=pairs) if text.strip() else None
        check_limits(body, options.limits)
    except json.JSONDecodeError as exc:
        builder.finding("load/syntax", f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno)
    except (LimitExceededError, RecursionError) as exc:
        builder.finding("load/limit", f"{exc}; not checked", 1)
    else:
        builder.add(body, 0)
    for key in duplicates:
        builder.finding("load/duplicate-key", f"duplicate key {key!r}: the last value wins", 0,
                        severity=Severity.ERROR if options.strict else Severity.WARNING)
    return builder.result()


def _single(path: str, rule: str, message: str, line: int, column: int = 0) -> LoadResult:
    finding = Finding(rule_id=rule, severity=Severity.ERROR, message=message,
                      location=Location(path=path, line=line, column=column), engine=Engine.LOAD)
    return LoadResult(findings=(finding,))


class _Builder:
    """Collects the documents and findings of one file."""

    def __init__(self, path: str, locator: Locator, options: LoadOptions) -> None:
        self.path = path
        self.locator = locator
        self.options = options
        self.documents: list[Document] = []
        self.findings: list[Finding] = []
        self.skipped: list[Skipped] = []

    def finding(self, rule: str, message: str, line: int, column: int = 0, *,
                severity: Severity = Severity.ERROR, document: Document | None = None) -> None:
        location = Location(path=self.path, line=line, column=column)
        if document is not None:
            location = document.locate(())
        self.findings.append(Finding(
            rule_id=rule, severity=severity, message=message, location=location,
            engine=Engine.LOAD, resource=document.resource if document else None,
            target=document.target if document else ""))

    def add(self, body: object, index: int, *, json_ready: bool = False) -> None:
        if body is None:  # an empty document: nothing to apply, as kubectl sees it
            return
        if not isinstance(body, Mapping):
            line = self.locator.locate(index, ()).line
            what = type(body).__name__.replace("dict", "mapping").replace("list", "sequence")
            self._not_kubernetes(f"document {index + 1} is a {what}, not a Kubernetes object",
                                 line, None)
            return
        document = Document(body=body, path=self.path, index=index, locator=self.locator)
        if document.kind == "List" and isinstance(body.get("items"), list):
            for position, item in enumerate(body["items"]):
                self._add_object(item, index, ("items", position), json_ready)
            return
        self._add_object(body, index, (), json_ready)

    def _add_object(self, body: object, index: int, base: tuple[str | int, ...],
                    json_ready: bool) -> None:
        if not isinstance(body, Mapping):
            line = self.locator.locate(index, base).line
            self._not_kubernetes(f"List item {base[-1]} is not an object", line, None)
            return
        document = Document(body=body, path=self.path, index=index, locator=self.locator,
                            base_path=base, json_ready=json_ready)
        missing = [key for key in ("apiVersion", "kind") if not body.get(key)]
        if not missing:
            self.documents.append(document)
            return
        what = " and ".join(f"'{key}'" for key in missing)
        message = f"missing {what}: not a Kubernetes object"
        if self.options.skip_non_kubernetes:
            line = document.locate(()).line
            self.skipped.append(Skipped(path=f"{self.path}:{line}", reason=message))
            return
        rule = "load/missing-kind" if "kind" in missing else "load/missing-apiversion"
        self.finding(rule, message, 0, document=document)
        self.documents.append(document)

    def _not_kubernetes(self, message: str, line: int, document: Document | None) -> None:
        if self.options.skip_non_kubernetes:
            self.skipped.append(Skipped(path=f"{self.path}:{line}", reason=message))
        else:
            self.finding("load/not-an-object", message, line, document=document)

    def result(self) -> LoadResult:
        return LoadResult(documents=tuple(self.documents), findings=tuple(self.findings),
                          skipped=tuple(self.skipped))
