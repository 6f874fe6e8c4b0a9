"""The run's expansion budget: what all rendered and loaded documents expand to together.

Each file is already held to its own budget while it is loaded
(:mod:`validator.load.safety`), but many files each under it can still add up to a
policy input of gigabytes. Every target's result says what its documents expand
to; this module spends the run's budget on them in plan order (so the outcome does
not depend on which worker process finished first) and refuses, with a finding on
the target's file, each result that no longer fits.
"""

from __future__ import annotations

from dataclasses import replace

from validator.load.safety import ExpansionBudget, LoadLimits
from validator.model import Engine, Finding, Location, Severity
from validator.render.settings import RenderResult
from validator.render.targets import Target


def spend_run_budget(targets: tuple[Target, ...], results: list[RenderResult],
                     limits: LoadLimits) -> list[RenderResult]:
    """``results`` (one per target, in plan order), each refused once the budget is spent."""
    budget = ExpansionBudget(limits.max_run_expanded_nodes, limits.max_run_expanded_bytes)
    kept: list[RenderResult] = []
    for target, result in zip(targets, results, strict=True):
        over = budget.spend(result.expansion) if result.documents else ""
        if not over:
            kept.append(result)
            continue
        first = result.documents[0].locate(())
        finding = Finding(
            rule_id="load/run-limit", severity=Severity.ERROR, engine=Engine.LOAD,
            location=Location(path=first.path or target.path, line=first.line),
            message=f"the run's objects would expand to {over} with these (a YAML bomb?); "
                    f"the {len(result.documents)} objects of {target.kind} target "
                    f"{target.name} are not checked")
        kept.append(replace(result, documents=(), findings=(*result.findings, finding)))
    return kept
