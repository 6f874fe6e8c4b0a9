"""The graph of a repository's kustomizations: which builds on which, and the cycles.

``kustomize build`` refuses a kustomization that reaches its own folder again through
``resources``/``components`` ("cycle detected"). Left alone, a cycle made its members
each other's *base*, so none was a target and their manifests were never checked.
Here the entry that closes a cycle is a finding on its line; every kustomization
that reaches a cycle is *blocked* (it cannot be built); and only kustomizations that
can be built count as building on another (a folder only a blocked kustomization
uses is built on its own).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import Kustomization

CYCLE_RULE = "render/kustomization-cycle"


class _Mark(enum.Enum):
    VISITING = 1
    DONE = 2


@dataclass(frozen=True, kw_only=True)
class KustomizationGraph:
    """What planning needs to know about the kustomizations as a whole."""

    blocked: frozenset[str]
    """Directories whose kustomization is on a cycle or builds on one: never built."""
    built_on: frozenset[str]
    """Directories a buildable kustomization other than their own builds on."""
    findings: tuple[Finding, ...]
    """One per entry that closes a cycle, and one per entry that builds on a blocked folder."""


def analyse(kustomizations: Mapping[str, Kustomization]) -> KustomizationGraph:
    """Find the cycles among ``kustomizations`` (directory -> its kustomization)."""
    edges = {d: [(r, line) for r, line in _roots(k) if r in kustomizations]
             for d, k in kustomizations.items()}
    findings: list[Finding] = []
    on_cycle: set[str] = set()
    marks: dict[str, _Mark] = {}
    for start in sorted(edges):
        if start in marks:
            continue
        marks[start] = _Mark.VISITING
        stack = [(start, iter(edges[start]))]
        while stack:
            current, children = stack[-1]
            step = next(children, None)
            if step is None:
                marks[current] = _Mark.DONE
                stack.pop()
                continue
            child, line = step
            if marks.get(child) is _Mark.VISITING:
                members = [d for d, _ in stack]
                cycle = [*members[members.index(child):], child]
                on_cycle.update(cycle)
                findings.append(_cycle_finding(kustomizations[current], line, cycle))
            elif child not in marks:
                marks[child] = _Mark.VISITING
                stack.append((child, iter(edges[child])))
    blocked = _reaching(on_cycle, edges)
    for directory in sorted(blocked - on_cycle):
        for child, line in edges[directory]:
            if child in blocked:
                findings.append(_finding(
                    kustomizations[directory].path, line,
                    f"builds on {child}, which is part of a kustomization cycle; kustomize "
                    "cannot build it (its resource files are checked on their own)"))
    built_on = {child for d, out in edges.items() if d not in blocked
                for child, _ in out if child != d}
    return KustomizationGraph(blocked=frozenset(blocked), built_on=frozenset(built_on),
                              findings=tuple(findings))


def _roots(kustomization: Kustomization) -> list[tuple[str, int]]:
    lines = kustomization.root_lines or (0,) * len(kustomization.roots)
    return list(zip(kustomization.roots, lines, strict=False))


def _reaching(targets: set[str], edges: Mapping[str, list[tuple[str, int]]]) -> set[str]:
    """Every directory from which one of ``targets`` can be reached (``targets`` included)."""
    parents: dict[str, set[str]] = {}
    for directory, out in edges.items():
        for child, _ in out:
            parents.setdefault(child, set()).add(directory)
    found, pending = set(targets), list(targets)
    while pending:
        for parent in parents.get(pending.pop(), ()):
            if parent not in found:
                found.add(parent)
                pending.append(parent)
    return found


def _cycle_finding(kustomization: Kustomization, line: int, cycle: list[str]) -> Finding:
    if len(cycle) == 2:
        what = f"this entry includes the kustomization's own folder {cycle[0]}"
    else:
        what = f"this entry closes a kustomization cycle ({' -> '.join(cycle)})"
    return _finding(kustomization.path, line, f"{what}: kustomize cannot build a cycle "
                    "(its resource files are checked on their own)")


def _finding(path: str, line: int, message: str) -> Finding:
    return Finding(rule_id=CYCLE_RULE, severity=Severity.ERROR, engine=Engine.RENDER,
                   message=message, location=Location(path=path, line=line))
