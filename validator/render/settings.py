"""Render settings and the result of rendering one target or all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from validator.charts.config import ChartSettings
from validator.defaults import DEFAULT_KUBERNETES_VERSION
from validator.load import Document, LoadOptions
from validator.load.safety import Expansion
from validator.model import Finding, Skipped
from validator.sandbox import DEFAULT_MEMORY_LIMIT


@dataclass(frozen=True, kw_only=True)
class RenderSettings:
    """How targets are rendered."""

    jobs: int = 2
    """Targets rendered at the same time (``--jobs``)."""
    timeout: float = 120.0
    """Seconds one ``helm template`` / ``kustomize build`` may run (``--render-timeout``)."""
    max_output_bytes: int = 64 * 1024 * 1024
    """Largest render output accepted, in bytes."""
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
    """Bytes of memory one ``helm template`` / ``kustomize build`` may use
    (``--render-memory-limit``; None: unbounded)."""
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    """Passed to ``helm template --kube-version`` (``--kubernetes-version``)."""
    load_options: LoadOptions = field(default_factory=LoadOptions)
    """Limits and strictness for loading plain files and render output."""
    include_helm_tests: bool = False
    """Check Helm test hooks too (``--include-helm-tests``); by default they are skipped,
    as Argo CD and Flux do not apply them."""
    cache_dir: Path | None = None
    """Where Kustomize and Helm renders are cached (:mod:`validator.render.cache`); None:
    nothing is cached (``--no-render-cache``)."""
    cache_max_bytes: int = 256 * 1024 * 1024
    """The size bound of the render cache; the least recently used entries go first."""
    charts: ChartSettings = field(default_factory=ChartSettings)
    """Which remote charts may be fetched (umbrella charts' dependencies) and where they are
    cached (:mod:`validator.charts`); the default fetches nothing."""


@dataclass(frozen=True, kw_only=True)
class RenderResult:
    """What rendering produced: objects to check, findings, skipped items."""

    documents: tuple[Document, ...] = ()
    """Rendered objects; ``path`` is the source file, ``target`` the target's name."""
    findings: tuple[Finding, ...] = ()
    """Render and load failures (engine ``render`` / ``load``), on the file that broke."""
    skipped: tuple[Skipped, ...] = ()
    """Documents not checked, and why."""
    files_read: int = 0
    """How many distinct repository files the renders read."""
    targets: int = 0
    """How many targets were rendered (or tried)."""
    expansion: Expansion = field(default_factory=Expansion)
    """What ``documents`` expand to once aliases are followed (for the run's budget)."""


def merge_results(results: list[RenderResult], files: set[str]) -> RenderResult:
    """One result from several; ``files`` is the union of the files read."""
    return RenderResult(
        documents=tuple(d for r in results for d in r.documents),
        findings=tuple(f for r in results for f in r.findings),
        skipped=tuple(s for r in results for s in r.skipped),
        files_read=len(files), targets=sum(r.targets for r in results),
        expansion=sum((r.expansion for r in results), Expansion()))
