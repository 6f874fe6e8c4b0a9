"""The plan as ``gitops-validator targets`` prints it: text or JSON, pure functions.

Text lists the targets under the chosen paths, then the targets elsewhere that read a
file under them (``check`` renders those too), the consumed files, the ignored files
counted by reason (each file with ``verbose``), what agent objects deploy that is not
rendered, and the planning problems. A target an agent object defines also shows the
options the object applied (:mod:`agent_options`). JSON holds the same sections in full.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from validator.model import Finding, natural_path_key
from validator.render.agent_options import option_lines, options_json
from validator.render.targets import Target, TargetKind, TargetPlan


def format_plan(plan: TargetPlan, *, verbose: bool = False) -> str:
    """The plan as text; ``verbose`` lists every ignored file instead of counting reasons."""
    under = [t for t in plan.targets if plan.under_selection(t)]
    reading = [t for t in plan.targets if not plan.under_selection(t)]
    lines = [f"targets ({len(under)}):", *_target_lines(under)]
    if reading:
        lines.append(f"targets elsewhere that read files under {', '.join(plan.selection)} "
                     f"({len(reading)}; check renders them too):")
        lines.extend(_target_lines(reading))
    lines.append(f"consumed ({len(plan.consumed)}):")
    lines.extend(f"  {path}: {why}" for path, why in _sorted(plan.consumed))
    lines.append(f"ignored ({len(plan.ignored)}):")
    if verbose:
        lines.extend(f"  {path}: {why}" for path, why in _sorted(plan.ignored))
    else:
        counts = Counter(plan.ignored.values())
        width = len(str(max(counts.values(), default=0)))
        lines.extend(f"  {count:>{width}}  {why}"
                     for why, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        if counts:
            lines.append("  (--verbose lists each file)")
    if plan.skipped:
        lines.append(f"not rendered ({len(plan.skipped)}):")
        lines.extend(f"  {skipped.path}: {skipped.reason}" for skipped in plan.skipped)
    if plan.findings:
        lines.append(f"problems ({len(plan.findings)}):")
        lines.extend(f"  {_where(finding)}: {finding.message}" for finding in plan.findings)
    return "\n".join(lines) + "\n"


def plan_json(plan: TargetPlan) -> str:
    """The plan as a JSON document (``targets -o json``); see docs/targets.md."""
    document = {
        "targets": [_target_json(t) for t in plan.targets if plan.under_selection(t)],
        "reading": [_target_json(t) for t in plan.targets if not plan.under_selection(t)],
        "consumed": dict(_sorted(plan.consumed)),
        "ignored": dict(_sorted(plan.ignored)),
        "findings": [{"rule_id": f.rule_id, "severity": f.severity.label, "path": f.location.path,
                      "line": f.location.line, "message": f.message} for f in plan.findings],
        "skipped": [{"path": s.path, "what": s.unit, "group": s.group, "reason": s.reason}
                    for s in plan.skipped],
    }
    # default=str: inline values hold what YAML reads, dates and binary among them
    return json.dumps(document, indent=2, default=str) + "\n"


def _target_lines(targets: Iterable[Target]) -> list[str]:
    lines = []
    for target in targets:
        extra = ""
        if target.kind is TargetKind.HELM:
            values = ", ".join(target.values_files) or "chart defaults"
            extra = (f" release={target.release_name} namespace={target.namespace}"
                     f" values=[{values}]")
        lines.append(f"  {target.kind.value:<9} {target.name}{extra}")
        lines.append(f"            {target.reason}")
        lines.extend(f"            {line}" for line in option_lines(target))
    return lines


def _target_json(target: Target) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": target.kind.value, "name": target.name, "path": target.path,
                           "reason": target.reason, "inputs": list(target.inputs)}
    if target.kind is TargetKind.HELM:
        out.update(release=target.release_name, namespace=target.namespace,
                   values=list(target.values_files))
    out.update(options_json(target))
    return out


def _sorted(mapping: Mapping[str, str]) -> list[tuple[str, str]]:
    return sorted(mapping.items(), key=lambda item: natural_path_key(item[0]))


def _where(finding: Finding) -> str:
    loc = finding.location
    return f"{loc.path}:{loc.line}" if loc.line else loc.path
