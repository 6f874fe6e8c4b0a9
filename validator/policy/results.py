"""From the raw per-document rule values OPA returns to findings, with conftest's semantics.

For each document, namespace and checked rule: if ``exception[_][_]`` names the rule
(without its ``deny_``/``violation_``/``warn_`` prefix; ``""`` for the bare rule) all
of its results are dropped and recorded as skipped; otherwise each string result,
or object result with a string ``msg``, is one finding. An object result may say
where it points: ``path`` (a field path list or ``a.b[0].c`` text) is located in
the document; conftest's ``_loc: {file, line}`` is honoured too.

Objects whose query failed (see :mod:`validator.policy.query`) are never passed over
in silence: each gets a ``policy/not-evaluated`` error on its first line saying why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from validator.errors import PolicyError
from validator.load import Document
from validator.model import Engine, FieldPath, Finding, Location, Rule, Severity, Skipped
from validator.policy.metadata import RuleInfo
from validator.policy.wrapper import NamespacePlan

#: The rule of the findings on objects the policies could not evaluate.
NOT_EVALUATED = Rule(
    id="policy/not-evaluated", title="Object not evaluated by the policies",
    description="The policy query holding this object failed (a timeout, an error OPA answered "
    "with, or the OPA server died), so no policy result exists for it. It is an error so "
    "that an object nobody checked never passes.")

_PATH_PART = re.compile(r"""\[(\d+)\]|\[["']((?:[^"'\\]|\\.)*)["']\]|\.?([^.\[\]]+)""")


def exception_name(rule: str) -> str:
    """The name an ``exception`` entry uses for ``rule`` (conftest's ``removeRulePrefix``)."""
    if rule in ("violation", "deny", "warn"):
        return ""
    for prefix in ("violation_", "deny_", "warn_"):
        rule = rule.removeprefix(prefix)
    return rule


def parse_field_path(value: Any) -> FieldPath | None:
    """A result's ``path``: a list of keys/indexes or ``spec.containers[0].image``; else None."""
    if isinstance(value, list) and all(
            isinstance(p, str | int) and not isinstance(p, bool) for p in value):
        return tuple(value)
    if isinstance(value, str) and value:
        parts: list[str | int] = []
        for index, quoted, plain in _PATH_PART.findall(value):
            parts.append(int(index) if index else quoted or plain)
        return tuple(parts)
    return None


def _count_exceptions(value: Sequence[Any], name: str) -> int:
    count = 0
    for entry in value[0] if value and isinstance(value[0], list) else []:
        items = list(entry.values()) if isinstance(entry, dict) else entry
        if isinstance(items, list):
            count += sum(1 for item in items if item == name)
    return count


def _location(item: Mapping[str, Any], document: Document | None, info: RuleInfo) -> Location:
    field_path = parse_field_path(item.get("path"))
    loc = item.get("_loc")
    loc = loc if isinstance(loc, Mapping) else {}
    line = loc.get("line")
    if document is not None:
        if field_path is not None:
            return document.locate(field_path)
        if isinstance(line, int) and line > 0:
            return Location(path=document.path, line=line, field_path=())
        return document.locate(())
    if isinstance(loc.get("file"), str) and loc["file"]:
        return Location(path=loc["file"], line=line if isinstance(line, int) else 0)
    return Location(path=info.path, line=info.line)


def _message(item: Any, info: RuleInfo) -> tuple[str, Mapping[str, Any]] | None:
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict):
        msg = item.get("msg")
        if not isinstance(msg, str):
            raise PolicyError(f"{info.path}:{info.line}: a result of {info.namespace}.{info.name} "
                              f"is an object without a string \"msg\" field: {item!r:.200}")
        return msg, item
    return None  # conftest ignores results that are neither strings nor objects


def findings_for(document: Document | None, display_path: str,
                 values: Mapping[str, Any], plans: Sequence[NamespacePlan],
                 infos: Mapping[tuple[str, str], RuleInfo]) -> tuple[list[Finding], list[Skipped]]:
    """Findings and exceptions for one evaluated input (``document`` is None when combined)."""
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for plan in plans:
        ns_values = values.get(plan.namespace) or {}
        for rule in plan.rules:
            info = infos[(plan.namespace, rule)]
            value = ns_values.get(rule) or []
            results = value[0] if value and isinstance(value[0], list) else []
            if plan.has_exception:
                excepted = _count_exceptions(ns_values.get("exception") or [],
                                             exception_name(rule))
                if excepted:
                    skipped.append(Skipped(path=display_path, reason=(
                        f"policy rule {plan.namespace}.{rule} excepted by "
                        f"data.{plan.namespace}.exception ({len(results)} result(s) dropped)"),
                        unit="policy rule", group="excepted by a policy exception"))
                    continue
            for item in results:
                parsed = _message(item, info)
                if parsed is None:
                    continue
                message, fields = parsed
                findings.append(Finding(
                    rule_id=info.rule_id, severity=info.severity, message=message,
                    location=_location(fields, document, info), engine=Engine.POLICY,
                    resource=document.resource if document is not None else None,
                    title=info.title, help_uri=info.help_uri,
                    target=document.target if document is not None else "", fix=info.fix))
    return findings, skipped


def not_evaluated_findings(documents: Sequence[Document], reason: str) -> list[Finding]:
    """One ``policy/not-evaluated`` error per document, on its first line, saying why."""
    count = len(documents)
    scope = "this object" if count == 1 else f"the {count} objects evaluated with this one"
    return [Finding(rule_id=NOT_EVALUATED.id, severity=Severity.ERROR, engine=Engine.POLICY,
                    message=f"not evaluated by the policies: the query for {scope} failed: {reason}",
                    location=document.locate(()), resource=document.resource,
                    title=NOT_EVALUATED.title, target=document.target)
            for document in documents]
