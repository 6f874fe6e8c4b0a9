"""Saying loudly when a run checked nothing, or far less than the repository holds.

A plan that leaves most manifests "not applied", or a render that yields no
object at all, is more often a mistake (a stray root kustomization, a wrong path)
than a clean repository; "0 resources: no problems" must not look like a pass.
These are warnings: ``--fail-on warning`` makes them fail the run.
"""

from __future__ import annotations

from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import KUSTOMIZATION_FILES
from validator.render.settings import RenderResult
from validator.render.targets import NOT_APPLIED, TargetKind, TargetPlan

_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def coverage_findings(plan: TargetPlan, result: RenderResult) -> tuple[Finding, ...]:
    """A warning when nothing was checked, or when most manifest files are not applied."""
    if not result.documents:
        return (_warning("render/nothing-checked",
                         f"no Kubernetes resource was checked ({len(plan.targets)} targets, "
                         f"{result.files_read} files read); check the paths and the skipped "
                         "entries"),)
    unapplied = sorted(p for p, why in plan.ignored.items() if why.endswith(NOT_APPLIED))
    checked = {t.path for t in plan.targets if t.kind is TargetKind.PLAIN}
    checked |= {p for p in plan.consumed if p.endswith(_MANIFEST_SUFFIXES)
                and p.rsplit("/", 1)[-1] not in KUSTOMIZATION_FILES}
    if len(unapplied) > len(checked):
        total = len(unapplied) + len(checked)
        return (_warning("render/few-checked",
                         f"{len(unapplied)} of {total} YAML/JSON files are not applied by any "
                         f"target (the first: {unapplied[0]}); only files a kustomization "
                         "references are built, see the skipped entries"),)
    return ()


def _warning(rule: str, message: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.WARNING, engine=Engine.RENDER,
                   message=message, location=Location(path="."))
