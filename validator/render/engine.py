"""Rendering a whole plan: every target, in parallel, each failure a finding.

The work is in subprocesses (``helm``, ``kustomize``), so a thread pool bounded by
``RenderSettings.jobs`` is enough. One target failing never stops the others;
only a missing tool or another :class:`~validator.errors.ValidatorError` that
makes the whole run meaningless propagates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import assert_never

from validator.errors import ValidatorError
from validator.model import Engine, Finding, Location, Severity, Skipped
from validator.process import network_isolation
from validator.render.budget import spend_run_budget
from validator.render.cache import evict_render_cache
from validator.render.directory import render_directory
from validator.render.helm import render_helm
from validator.render.kustomize import render_kustomize
from validator.render.namespaces import cluster_scoped_crds, in_release_namespace
from validator.render.plain import render_plain
from validator.render.settings import RenderResult, RenderSettings, merge_results
from validator.render.targets import Target, TargetKind, TargetPlan
from validator.sandbox import NetworkIsolation

_LOGGER = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def render_target(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Render one target; a defect of ours on odd input is a finding too, not a crash."""
    _LOGGER.debug("Rendering %s target %s", target.kind, target.name)
    try:
        return in_destination_namespace(_render(target, root=root, settings=settings), target)
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
        case TargetKind.DIRECTORY:
            return render_directory(target, root=root, settings=settings)
        case _:
            assert_never(target.kind)


def in_destination_namespace(result: RenderResult, target: Target) -> RenderResult:
    """``result`` as the agent applies it: an agent object's target puts namespaced objects
    that name no namespace in the target's namespace (Argo CD's ``destination.namespace``,
    Flux's ``targetNamespace``), whatever rendered them; the one place this is done."""
    if target.agent is None or not target.namespace or not result.documents:
        return result
    scoped = cluster_scoped_crds(result.documents)
    return replace(result, documents=tuple(in_release_namespace(d, target.namespace, scoped)
                                           for d in result.documents))


#: Below this many plain files, starting worker processes costs more than it saves.
PROCESS_THRESHOLD = 64


def render_targets(plan: TargetPlan, settings: RenderSettings, *, root: Path,
                   progress: Progress | None = None) -> RenderResult:
    """Render every target of ``plan``; documents and findings in plan order.

    helm and kustomize run in subprocesses, so threads are enough for them; plain
    files are parsed in Python, which holds the GIL, so many of them are loaded in
    ``settings.jobs`` worker processes instead.
    """
    root = root.absolute()
    targets = plan.targets
    results: list[RenderResult | None] = [None] * len(targets)
    plain = [i for i, target in enumerate(targets) if target.kind is TargetKind.PLAIN]
    # fork only a process with no other thread (a webhook worker must not fork its pool)
    forkable = threading.active_count() == 1
    in_processes = plain if forkable and settings.jobs > 1 and len(plain) >= PROCESS_THRESHOLD else []
    local = set(in_processes[::settings.jobs])  # this process parses a share itself
    remote = [i for i in in_processes if i not in local]
    remote_set = set(remote)
    done = 0

    def finished(indexes: list[int], batch: list[RenderResult]) -> None:
        nonlocal done
        for i, result in zip(indexes, batch, strict=True):
            results[i] = result
        done += len(indexes)
        if progress:
            progress(done, len(targets))

    if progress:
        progress(0, len(targets))
    with ExitStack() as stack:
        futures: dict[Future[list[RenderResult]], list[int]] = {}
        if remote:  # forked first, before any thread of ours exists
            import multiprocessing  # noqa: PLC0415 - only large runs pay for it
            from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

            processes = stack.enter_context(ProcessPoolExecutor(
                max_workers=settings.jobs - 1, mp_context=multiprocessing.get_context("fork")))
            for chunk in _chunks(remote, settings.jobs * 4):
                batch = [targets[i] for i in chunk]
                futures[processes.submit(_render_batch, batch, root, settings)] = chunk
        threads = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, settings.jobs),
                                                         thread_name_prefix="render"))
        for i, target in enumerate(targets):
            if i not in local and i not in remote_set:
                futures[threads.submit(_render_batch, [target], root, settings)] = [i]
        try:
            for i in sorted(local):
                finished([i], [render_target(targets[i], root=root, settings=settings)])
            for future in as_completed(futures):
                finished(futures[future], future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    evict_render_cache(settings)
    files = {path for target in targets for path in target.inputs}
    planned = RenderResult(findings=plan.findings, skipped=_isolation_notes(targets))
    rendered = spend_run_budget(targets, [r or RenderResult() for r in results],
                                settings.load_options.limits)
    return merge_results([planned, *rendered], files)


def _isolation_notes(targets: tuple[Target, ...]) -> tuple[Skipped, ...]:
    """Say once when helm and kustomize ran without a network namespace of their own."""
    if all(t.kind is TargetKind.PLAIN for t in targets) or \
            network_isolation() is not NetworkIsolation.NONE:
        return ()
    return (Skipped(path=".", reason="renders ran without network isolation: the kernel allows "
                    "no network namespace here, so only proxy settings that lead nowhere keep "
                    "helm and kustomize off the network (loopback stays reachable)"),)


def _render_batch(batch: list[Target], root: Path, settings: RenderSettings) -> list[RenderResult]:
    return [render_target(target, root=root, settings=settings) for target in batch]


def _chunks(items: list[int], count: int) -> list[list[int]]:
    """``items`` in ``count`` interleaved chunks of about the same size."""
    return [chunk for chunk in (items[k::count] for k in range(count)) if chunk]
