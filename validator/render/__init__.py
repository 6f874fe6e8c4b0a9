"""Rendering what Argo CD or Flux would apply, and the way back to the source a reviewer edits.

``discover_targets`` plans (plain files, Kustomize directories, Helm charts with
value sets), ``render_targets`` renders the plan in parallel into
:class:`~validator.load.Document` values whose ``path``/``locate()`` point at the
source file and line, and ``format_plan``/``plan_json`` print the plan.
"""

from validator.render.discover import discover_targets
from validator.render.engine import render_target, render_targets
from validator.render.plan_output import format_plan, plan_json
from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target, TargetKind, TargetPlan

__all__ = [
    "RenderResult",
    "RenderSettings",
    "Target",
    "TargetKind",
    "TargetPlan",
    "discover_targets",
    "format_plan",
    "plan_json",
    "render_target",
    "render_targets",
]
