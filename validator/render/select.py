"""Narrowing a plan to one target by name (``render --target``), or saying which names are near.

The plan is the one ``check`` makes; only its targets (and the planning findings on the
chosen target's files) are cut down, so the chosen target renders exactly as it does in
a full run.
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from validator.errors import UsageError
from validator.render.targets import Target, TargetPlan

#: How many near names an unknown name's error lists.
_NEAR = 5


def select_target(plan: TargetPlan, name: str) -> TargetPlan:
    """``plan`` with only the target called ``name``; :class:`UsageError` naming the closest
    target names when there is none."""
    chosen = next((t for t in plan.targets if t.name == name), None)
    if chosen is None:
        raise UsageError(_unknown(name, [t.name for t in plan.targets]))
    own = {chosen.path, *chosen.inputs}
    return replace(plan, targets=(chosen,), skipped=(),
                   findings=tuple(f for f in plan.findings if _reads(chosen, f.location.path, own)))


def _reads(target: Target, path: str, own: set[str]) -> bool:
    return path in own or path.startswith(target.path.rstrip("/") + "/")


def _unknown(name: str, names: list[str]) -> str:
    if not names:
        return f"no target named {name!r}: nothing under the given paths is rendered"
    near = difflib.get_close_matches(name, names, n=_NEAR, cutoff=0.4)
    near += [n for n in names if name.lower() in n.lower() and n not in near][:_NEAR - len(near)]
    shown = near or names[:_NEAR]
    more = "closest" if near else "some of them"
    return (f"no target named {name!r}; {more}: {', '.join(shown)} "
            f"(`gitops-validator targets` lists all {len(names)})")
