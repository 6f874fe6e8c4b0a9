"""What the loaded policies contain, read from the ASTs OPA returns for the modules we pushed.

From ``GET /v1/policies`` (parsed ASTs with ``# METADATA`` annotations) we learn each
module's package (the conftest *namespace*), its rule names, their annotations and,
from the raw text, the line each rule starts on. Namespaces are then selected the
way conftest selects them (literal names, globs, or all).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from validator.errors import PolicyError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
WARNING_RULE = re.compile(r"^warn(_[a-zA-Z0-9]+)*$")
FAILURE_RULE = re.compile(r"^(deny|violation)(_[a-zA-Z0-9]+)*$")


def is_checked_rule(name: str) -> bool:
    """Rules conftest evaluates: ``deny``/``violation``/``warn`` and their ``_<name>`` variants."""
    return bool(FAILURE_RULE.match(name) or WARNING_RULE.match(name))


@dataclass(frozen=True, kw_only=True)
class PolicyModule:
    """One pushed ``.rego`` file."""

    path: str
    """Display (repo-relative) path of the file."""
    package: tuple[str, ...]
    """Package path below ``data`` (``("main",)``)."""
    rule_lines: Mapping[str, int] = field(default_factory=dict)
    """Each rule name defined here, with the 1-based line of its first definition."""
    rule_annotations: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)
    """Rule- and document-scoped ``# METADATA`` blocks per rule name."""
    package_annotations: tuple[Mapping[str, Any], ...] = ()
    """Package-scoped ``# METADATA`` blocks."""

    @property
    def namespace(self) -> str:
        """The package as conftest names it (``main``, ``k8s.apps``)."""
        return namespace_of(self.package)


def namespace_of(package: Sequence[str]) -> str:
    out = ""
    for part in package:
        out += (("." if out else "") + part) if _IDENT.match(part) else f"[{json.dumps(part)}]"
    return out


def _rule_name(rule: Mapping[str, Any]) -> str:
    head = rule.get("head") or {}
    if head.get("name"):
        return str(head["name"])
    ref = head.get("ref") or []
    return str(ref[0].get("value", "")) if len(ref) == 1 else ""


def _check_head(rule: Mapping[str, Any], path: str, raw: str) -> None:
    """Refuse ``deny[msg] if`` in v1 syntax (a map to ``true``, not a set), as conftest does."""
    head = rule.get("head") or {}
    ref = head.get("ref") or []
    value = head.get("value") or {}
    if head.get("name") or len(ref) < 2 or value != {"type": "boolean", "value": True}:
        return
    name = str(ref[0].get("value", ""))
    if is_checked_rule(name):
        line = _first_line(raw, name)
        raise PolicyError(f"{path}:{line}: rule {name} uses `if` without `contains`: write "
                          f"`{name} contains msg if {{...}}` (Rego v1)")


def _first_line(raw: str, name: str) -> int:
    match = re.search(rf"^[ \t]*{re.escape(name)}(?![\w])", raw, re.MULTILINE)
    return raw.count("\n", 0, match.start()) + 1 if match else 0


def parse_module(path: str, entry: Mapping[str, Any]) -> PolicyModule:
    """Read one ``GET /v1/policies`` entry."""
    ast = entry.get("ast") or {}
    raw = str(entry.get("raw") or "")
    package = tuple(str(t.get("value")) for t in (ast.get("package") or {}).get("path", [])[1:])
    lines: dict[str, int] = {}
    annotations: dict[str, list[Mapping[str, Any]]] = {}
    for rule in ast.get("rules") or []:
        _check_head(rule, path, raw)
        name = _rule_name(rule)
        if not name:
            continue
        lines.setdefault(name, _first_line(raw, name))
        for note in rule.get("annotations") or []:
            if note.get("scope") in ("rule", "document") and note not in annotations.get(name, []):
                annotations.setdefault(name, []).append(note)
    package_notes = tuple(note for note in ast.get("annotations") or []
                          if note.get("scope") in ("package", "subpackages"))
    return PolicyModule(path=path, package=package, rule_lines=lines,
                        rule_annotations={k: tuple(v) for k, v in annotations.items()},
                        package_annotations=package_notes)


def select_namespaces(modules: Iterable[PolicyModule], patterns: Sequence[str],
                      *, all_namespaces: bool) -> tuple[str, ...]:
    """The namespaces to evaluate, picked as conftest picks them (literal names, globs, or all;
    sorted where conftest is unordered), then minus the ``!name`` / ``!glob`` exclusions.

    With only exclusions, they apply to every package. Unlike conftest, a pattern or an
    exclusion that matches no package (of those selected, for an exclusion) raises
    :class:`PolicyError`: a selection naming something absent is a mistake, never a no-op.
    """
    modules = list(modules)
    available = sorted({m.namespace for m in modules})
    excluded = [p[1:] for p in patterns if p.startswith("!")]
    chosen = [p for p in patterns if not p.startswith("!")]
    for pattern in chosen:
        if not _matching(available, pattern):
            raise PolicyError(_absent(pattern, modules))
    if all_namespaces or (excluded and not chosen):
        selected = available
    elif not any(ch in p for p in chosen for ch in "*?["):
        selected = list(dict.fromkeys(chosen))
    else:
        selected = [ns for ns in available if any(_matching([ns], p) for p in chosen)]
    for pattern in excluded:
        if not _matching(selected, pattern):
            raise PolicyError(_absent(f"!{pattern}", modules))
    kept = tuple(ns for ns in selected if not any(_matching([ns], p) for p in excluded))
    if not kept:
        raise PolicyError(f"--namespace {' '.join(patterns)} leave no package to evaluate "
                          f"({_with_rules(modules)})")
    return kept


def _matching(namespaces: Sequence[str], pattern: str) -> list[str]:
    glob = pattern.replace("[^", "[!")  # Go's path.Match negates with ^
    return [ns for ns in namespaces if ns == pattern or fnmatch.fnmatchcase(ns, glob)]


def _with_rules(modules: Sequence[PolicyModule]) -> str:
    checked = sorted({m.namespace for m in modules if any(is_checked_rule(n) for n in m.rule_lines)})
    return f"packages with rules: {', '.join(checked)}" if checked else "no package has rules"


def _absent(pattern: str, modules: Sequence[PolicyModule]) -> str:
    return (f"no policy package for namespace {pattern} ({_with_rules(modules)}); select packages "
            "with --namespace (globs such as 'k8s.*' work, '!name' leaves one out) or "
            "--all-namespaces")
