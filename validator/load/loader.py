"""Reading one file (or render output) into documents and load findings, safely.

Speed: PyYAML's C parser does the scanning; positions are not built here at all
(see :mod:`validator.load.positions`, used only for documents with findings).
Safety: only regular files, a size limit before parsing, strict UTF-8, libyaml's own
nesting cap plus our depth limit, a cap on documents per file, and expansion budgets
in nodes and bytes per document and per file (:mod:`validator.load.safety`) so a YAML
bomb fails fast with bounded memory. Bad input becomes a finding (or, for what is
plainly not a manifest, a listed skip); nothing here raises for it.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

import yaml

from validator.load.builder import DocumentBuilder, LoadOptions, LoadResult, single_finding
from validator.load.document import Locator
from validator.load.files import not_regular
from validator.load.positions import TextLocator, duplicate_keys
from validator.load.safety import (
    Expansion,
    ExpansionBudget,
    LimitExceededError,
    LoadLimits,
    check_limits,
    gc_paused,
    number_too_long,
)
from validator.load.templates import template_reason
from validator.load.yaml_loader import YamlLoader, construct_document
from validator.model import Severity

__all__ = ["LoadLimits", "LoadOptions", "LoadResult", "load_bytes", "load_file"]

JSON_SUFFIXES = (".json",)


def load_file(path: Path, *, display_path: str, options: LoadOptions | None = None) -> LoadResult:
    """Load the file at ``path``; findings name it as ``display_path``."""
    options = options or LoadOptions()
    special = not_regular(path)
    if special:
        return single_finding(display_path, "load/not-a-file", special, 0)
    try:
        size = path.stat().st_size
        if size > options.limits.max_file_bytes:
            return single_finding(display_path, "load/too-large",
                           f"file is {size} bytes, over the limit of "
                           f"{options.limits.max_file_bytes} bytes; not checked", 0)
        data = path.read_bytes()
    except OSError as exc:
        return single_finding(display_path, "load/unreadable", f"cannot read file: {exc.strerror}", 0)
    return load_bytes(data, display_path=display_path, options=options)


def load_bytes(data: bytes, *, display_path: str, options: LoadOptions | None = None,
               locator: Locator | None = None, render_of: str = "") -> LoadResult:
    """Load YAML or JSON ``data``; ``locator`` overrides where positions point (render output),
    and ``render_of`` names what rendered it (``helm chart c``): problems with the text itself
    are then reported at the source of the document they are in, as render output."""
    options = options or LoadOptions()
    if len(data) > options.limits.max_file_bytes:
        return single_finding(display_path, "load/too-large",
                       f"input is {len(data)} bytes, over the limit of "
                       f"{options.limits.max_file_bytes} bytes; not checked", 0)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return single_finding(display_path, "load/encoding",
                       f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); not checked", line, column)
    locator = locator or TextLocator(text, path=display_path,
                                     json=display_path.endswith(JSON_SUFFIXES))
    with gc_paused():
        if display_path.endswith(JSON_SUFFIXES):
            return _load_json(text, display_path, locator, options)
        return _load_yaml(text, display_path, locator, options, render_of)


def _load_yaml(text: str, display_path: str, locator: Locator, options: LoadOptions,
               render_of: str) -> LoadResult:
    builder = DocumentBuilder(display_path, locator, options, render_of=render_of)
    limits = options.limits
    budget = ExpansionBudget(limits.max_file_expanded_nodes, limits.max_file_expanded_bytes)
    loader = YamlLoader(text)
    index, start = 0, 1  # start: the line after the last document read
    starts: list[int] = []  # the first line of each document, for placing duplicate keys
    try:
        while loader.check_node():
            if index >= limits.max_documents:
                builder.text_finding("load/too-many-documents",
                                     f"more than {limits.max_documents} YAML documents; the rest "
                                     "of the file is not checked", start, index=index)
                break
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else start
            start = node.end_mark.line + 1 if node is not None else start
            starts.append(line)
            try:
                built = construct_document(loader, node, limits)
            except LimitExceededError as exc:
                builder.text_finding("load/limit", f"{exc}; this document is not checked",
                                     exc.line or line, index=index)
                index += 1
                continue
            over = budget.spend(built.expansion)
            if over:
                builder.text_finding("load/limit", f"the file's documents expand to {over} "
                                     "through aliases (a YAML bomb?); this document and the rest "
                                     "of the file are not checked", line, index=index)
                break
            builder.add(built.value, index, json_ready=built.json_ready)
            index += 1
    except yaml.MarkedYAMLError as exc:
        _syntax_error(builder, exc, text, index)
    except yaml.reader.ReaderError as exc:  # control characters: not YAML at all
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        builder.text_finding("load/syntax", f"control character U+{exc.character:04X} is not "
                             "allowed in YAML (write it as an escape in a double-quoted string); "
                             f"the {'rest of the ' if index else ''}file is not checked",
                             line, column, index=index)
    except RecursionError:  # libyaml allows 1000 levels; composing them can exhaust Python's stack
        builder.text_finding("load/limit", "nesting too deep to read; this document and the rest "
                             "of the file are not checked", start, index=index)
    except yaml.YAMLError as exc:
        builder.text_finding("load/syntax", f"YAML error: {exc}", start, index=index)
    finally:
        loader.dispose()
    for key, mark in loader.duplicates:
        builder.text_finding("load/duplicate-key", f"duplicate key {key!r}: the last value wins",
                             mark.line + 1, mark.column + 1,
                             index=max(0, bisect.bisect_right(starts, mark.line + 1) - 1),
                             severity=Severity.ERROR if options.strict else Severity.WARNING)
    return builder.result(budget.used)


def _syntax_error(builder: DocumentBuilder, exc: yaml.MarkedYAMLError, text: str,
                  index: int) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
    template = "" if builder.render_of else template_reason(text, problem)
    if template:
        builder.skip(f"{template}; {'the rest of the file is ' if index else ''}not checked",
                     line if index else 0)
        return
    builder.text_finding("load/syntax", f"YAML syntax error: {problem}"
                         + ("; the rest of the file is not checked" if index else ""),
                         line, column, index=index)


def _load_json(text: str, display_path: str, locator: Locator, options: LoadOptions) -> LoadResult:
    builder = DocumentBuilder(display_path, locator, options)
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    def integer(literal: str) -> int:
        too_long = number_too_long(literal, text[: text.find(literal)].count("\n") + 1)
        if too_long is not None:
            raise too_long
        return int(literal)

    expansion = Expansion()
    try:
        body = (json.loads(text, object_pairs_hook=pairs, parse_int=integer)
                if text.strip() else None)
        expansion = check_limits(body, options.limits)
    except json.JSONDecodeError as exc:
        builder.finding("load/syntax", f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno)
    except LimitExceededError as exc:
        builder.finding("load/limit", f"{exc}; not checked", exc.line or 1)
    except RecursionError:
        builder.finding("load/limit", "nesting too deep to read; not checked", 1)
    else:
        builder.add(body, 0)
    if duplicates:
        placed = duplicate_keys(text) or [(key, 1, 0) for key in duplicates]
        for key, line, column in placed:
            builder.finding("load/duplicate-key", f"duplicate key {key!r}: the last value wins",
                            line, column,
                            severity=Severity.ERROR if options.strict else Severity.WARNING)
    return builder.result(expansion)


