"""From ``# METADATA`` annotations to a rule's id, title, severity and help link.

A result is attributed to the annotations of its rule name within its package
(conftest namespace): the rule- or document-scoped METADATA when exactly one
distinct block is attached to definitions of that name, else the package-scoped
block. Without annotations a rule's id is ``<namespace>.<rule>``, ``warn*`` rules
are warnings and ``deny*``/``violation*`` rules are errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from validator.errors import PolicyError
from validator.model import Fix, Rule, Severity
from validator.policy.modules import WARNING_RULE, PolicyModule


@dataclass(frozen=True, kw_only=True)
class RuleInfo:
    """Everything a finding needs to know about the rule that produced it."""

    namespace: str
    """Package (conftest namespace) of the rule."""
    name: str
    """Rule name (``deny``, ``warn_latest``...)."""
    rule_id: str
    """``custom.id``, or ``<namespace>.<name>``."""
    severity: Severity
    """``custom.severity``, or the rule kind's default."""
    title: str = ""
    description: str = ""
    help_uri: str = ""
    """The first ``related_resources`` ref (or ``custom.help_uri``)."""
    path: str = ""
    """Policy file that first defines the rule."""
    line: int = 0
    """Line of that first definition."""
    fix: Fix | None = None
    """``custom.fix``: the safe, mechanical fix of the rule's findings, if it declares one."""

    def to_rule(self) -> Rule:
        return Rule(id=self.rule_id, title=self.title, description=self.description,
                    help_uri=self.help_uri)


def _pick(modules: Iterable[PolicyModule], name: str) -> tuple[Mapping[str, Any] | None, str]:
    rule_notes: list[tuple[Mapping[str, Any], str]] = []
    package_notes: list[tuple[Mapping[str, Any], str]] = []
    for module in modules:
        rule_notes += [(n, module.path) for n in module.rule_annotations.get(name, ())
                       if all(n != seen for seen, _ in rule_notes)]
        package_notes += [(n, module.path) for n in module.package_annotations]
    if len(rule_notes) == 1:
        return rule_notes[0]
    if package_notes:
        return package_notes[0]
    return None, ""


def _help_uri(note: Mapping[str, Any], custom: Mapping[str, Any]) -> str:
    for resource in note.get("related_resources") or []:
        if isinstance(resource, Mapping) and resource.get("ref"):
            return str(resource["ref"])
    return str(custom.get("help_uri") or custom.get("url") or "")


_FIX_KEYS = frozenset({"value", "description", "fields"})


def _fix(custom: Mapping[str, Any], where: str) -> Fix | None:
    """``custom.fix`` (``{value: <scalar>, description: <text>, fields: [<name>...]}``)
    checked, or None when absent.

    A malformed fix is an error rather than ignored: a policy author who declared one
    expects suggestions, and a typo must not silently turn them off."""
    spec = custom.get("fix")
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise PolicyError(f"{where}: custom.fix must be a mapping with a scalar 'value' "
                          f"(and an optional 'description'), not {spec!r:.80}")
    unknown = sorted(str(key) for key in spec if key not in _FIX_KEYS)
    if unknown:
        raise PolicyError(f"{where}: custom.fix has an unknown key {unknown[0]!r}: "
                          "use 'value', 'description' and 'fields'")
    if "value" not in spec:
        raise PolicyError(f"{where}: custom.fix has no 'value' (the scalar the offending "
                          "field should be set to)")
    value, description = spec["value"], spec.get("description", "")
    if not (value is None or isinstance(value, bool | int | float | str)):
        raise PolicyError(f"{where}: custom.fix 'value' must be a scalar (true, 0, \"text\", "
                          f"null), not {value!r:.80}")
    if not isinstance(description, str):
        raise PolicyError(f"{where}: custom.fix 'description' must be a string, "
                          f"not {description!r:.80}")
    return Fix(value=value, description=description, fields=_fix_fields(spec, where))


def _fix_fields(spec: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """``custom.fix.fields``: a non-empty list of field names when given."""
    if "fields" not in spec:
        return ()
    fields = spec["fields"]
    if not (isinstance(fields, list) and fields
            and all(isinstance(name, str) and name for name in fields)):
        raise PolicyError(f"{where}: custom.fix 'fields' must be a list of field names "
                          f"(the fields the fix may set), not {fields!r:.80}")
    return tuple(fields)


def rule_info(namespace: str, name: str, modules: Iterable[PolicyModule]) -> RuleInfo:
    """Resolve the metadata of rule ``name`` in ``namespace`` from the namespace's modules."""
    in_ns = [m for m in modules if m.namespace == namespace]
    defined = [m for m in in_ns if name in m.rule_lines]
    path, line = (defined[0].path, defined[0].rule_lines[name]) if defined else ("", 0)
    default = Severity.WARNING if WARNING_RULE.match(name) else Severity.ERROR
    note, note_path = _pick(in_ns, name)
    if note is None:
        return RuleInfo(namespace=namespace, name=name, rule_id=f"{namespace}.{name}",
                        severity=default, path=path, line=line)
    custom = note.get("custom") or {}
    custom = custom if isinstance(custom, Mapping) else {}
    severity = default
    where = f"{note_path}: METADATA of {namespace}.{name}"
    if custom.get("severity") is not None:
        try:
            severity = Severity.parse(str(custom["severity"]))
        except ValueError as exc:
            raise PolicyError(f"{where}: custom.severity: {exc}") from exc
    return RuleInfo(
        namespace=namespace, name=name, rule_id=str(custom.get("id") or f"{namespace}.{name}"),
        severity=severity, title=str(note.get("title") or ""),
        description=str(note.get("description") or ""), help_uri=_help_uri(note, custom),
        path=path, line=line, fix=_fix(custom, where))
