"""Rendering a whole plan: every target, in parallel, each failure a finding.

The work is in subprocesses (``helm``, ``kustomize``), so a thread pool bounded by
``RenderSettings.jobs`` is enough. One target failing never stops the others;
only a missing tool or another :class:`~validator.errors.ValidatorError` that
makes the whole run meaningless propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import assert_never

from validator.errors import ValidatorError
from validator.model import Engine, Finding, Location, Severity
from validator.render.helm import render_helm
from validator.render.kustomize import render_kustomize
from validator.render.plain import render_plain
from validator.render.settings import RenderResult, RenderSettings, merge_results
from validator.render.targets import Target, TargetKind, TargetPlan

_LOGGER = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def render_target(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Render one target; a defect of ours on odd input is a finding too, not a crash."""
    _LOGGER.debug("Rendering %s target %s", target.kind, target.name)
    try:
        return _render(target, root=root, settings=settings)
    except ValidatorError:
        raise  # a missing tool and the like: the whole run is meaningless
    except Exception as exc:
        _LOGGER.exception("Rendering %s failed unexpectedly", target.name)
        finding = Finding(
            rule_id="render/internal-error", severity=Severity.ERROR, engine=Engine.RENDER,
            location=Location(path=target.path),
            message=f"could not render {target.kind} target {target.name}: "
                    f"{type(exc).__name__}: {exc} (a defect of gitops-validator; please report it)")
        return RenderResult(findings=(finding,), targets=1)


def _render(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    match target.kind:
        case TargetKind.PLAIN:
            return render_plain(target, root=root, settings=settings)
        case TargetKind.KUSTOMIZE:
            return render_kustomize(target, root=root, settings=settings)
        case TargetKind.HELM:
            return render_helm(target, root=root, settings=settings)
        case _:
            assert_never(target.kind)


def render_targets(plan: TargetPlan, settings: RenderSettings, *, root: Path,
                   progress: Progress | None = None) -> RenderResult:
    """Render every target of ``plan``; documents and findings in plan order."""
    root = root.absolute()
    total = len(plan.targets)
    results: list[RenderResult | None] = [None] * total
    done = 0
    if progress:
        progress(0, total)
    with ThreadPoolExecutor(max_workers=max(1, settings.jobs),
                            thread_name_prefix="render") as pool:
        futures = {pool.submit(render_target, target, root=root, settings=settings): i
                   for i, target in enumerate(plan.targets)}
        try:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done += 1
                if progress:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    files = {path for target in plan.targets for path in target.inputs}
    planned = RenderResult(findings=plan.findings)
    return merge_results([planned, *(r for r in results if r is not None)], files)
