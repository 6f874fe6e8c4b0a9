"""The affected targets as ``targets --changed-from`` prints them: text or JSON, pure functions.

Text lists each affected target with the side it exists on and, under it, each changed
file that made it affected and how; then whether a trusted change made it a full
check, the changed files outside the validated root (a sub-folder of the working tree)
and those no target reads. JSON holds the same in full, plus every changed file with its
status.
"""

from __future__ import annotations

import json
from typing import Any, assert_never

from validator.change.affected import AffectedPlan, AffectedTarget, Side
from validator.change.model import Change


def _side_words(side: Side) -> str:
    match side:
        case Side.BOTH:
            return ""
        case Side.HEAD:
            return " (new: head side only)"
        case Side.BASE:
            return " (deleted: base side only)"
        case _:
            assert_never(side)


def format_affected(change: Change, plan: AffectedPlan) -> str:
    """The affected targets as text."""
    lines = [f"changed since {change.base[:12]}: {len(change.files)} "
             f"file{'' if len(change.files) == 1 else 's'}"]
    if plan.full:
        lines.append(f"full check: trusted paths changed ({', '.join(plan.trusted_changes)})")
    lines.append(f"affected targets ({len(plan.targets)}):")
    for affected in plan.targets:
        lines.extend(_target_lines(affected))
    if change.outside:
        lines.append(f"changed outside the validated root, ignored ({len(change.outside)}):")
        lines.extend(f"  {path}" for path in change.outside)
    if plan.unread:
        lines.append(f"changed files no target reads ({len(plan.unread)}):")
        lines.extend(f"  {path}" for path in plan.unread)
    return "\n".join(lines) + "\n"


def affected_json(change: Change, plan: AffectedPlan) -> str:
    """The affected targets as a JSON document (``targets --changed-from REF -o json``)."""
    document = {
        "base": change.base,
        "head": change.head,
        "full": plan.full,
        "trusted_changes": list(plan.trusted_changes),
        "targets": [_target_json(a, change) for a in plan.targets],
        "unread": list(plan.unread),
        "changed": [{"path": f.path, "status": f.status.value, "old_path": f.old_path or None}
                    for f in change.files],
        "outside": list(change.outside),
    }
    return json.dumps(document, indent=2) + "\n"


def _target_lines(affected: AffectedTarget) -> list[str]:
    target = affected.target
    lines = [f"  {target.kind.value:<9} {target.name}{_side_words(affected.side)}"]
    lines.extend(f"            {cause.why}" if not cause.path or cause.path in cause.why
                 else f"            {cause.path}: {cause.why}" for cause in affected.causes)
    return lines


def _target_json(affected: AffectedTarget, change: Change) -> dict[str, Any]:
    target = affected.target
    status = {f.path: f.status.value for f in change.files}
    return {"kind": target.kind.value, "name": target.name, "path": target.path,
            "side": affected.side.value,
            "causes": [{"path": c.path or None, "status": status.get(c.path), "why": c.why}
                       for c in affected.causes]}
