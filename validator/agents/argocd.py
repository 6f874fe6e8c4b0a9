"""Argo CD ``Application`` objects read into targets, as Argo CD's repo-server renders them.

An Application deploys ``spec.source`` or, when ``spec.sources`` is a non-empty list,
each of ``spec.sources`` (a multi-source app). A source is rendered here only when its
``repoURL`` names this repository (:mod:`validator.agents.repo_urls`); one from another
repository or a Helm repository (``chart:``) is a counted skipped entry naming it. A
source with ``ref:`` and no ``path`` only lends its files to ``$ref/...`` value files.
``targetRevision`` is not compared: the checked revision stands for every branch and
tag an Application may name.

Which tool renders a source is decided as Argo CD decides it: a non-empty ``helm``,
``kustomize``, ``directory`` or ``plugin`` block says it (two of them is Argo CD's
"multiple application sources defined" error); otherwise a kustomization file in the
folder makes it Kustomize, else a ``Chart.yaml`` Helm, else a plain directory. The
options of each kind are read by :mod:`argocd_helm` and :mod:`argocd_kustomize`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from validator.agents.argocd_helm import helm_target
from validator.agents.argocd_kustomize import directory_target, kustomize_target
from validator.agents.argocd_source import UNIT, AppSource, Notes, RefSource
from validator.agents.fields import finding, inside, mapping, repo_path, shown, skipped, text
from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead
from validator.agents.repo_urls import normalise
from validator.charts import ChartRequest, FetchedChart, fetch_chart
from validator.model import Severity
from validator.render.kustomization import KUSTOMIZATION_FILES
from validator.render.paths import repo_relative
from validator.render.targets import Target, TargetKind

#: The blocks that name a source's type explicitly, in Argo CD's order.
_TYPE_BLOCKS = ("kustomize", "helm", "directory", "plugin")


@dataclass(frozen=True, kw_only=True)
class _Listed:
    body: Mapping[str, Any]
    field: tuple[str | int, ...]
    number: int
    """1-based position in ``spec.sources`` (0 for ``spec.source``)."""


def read_application(found: FoundObject, context: AgentContext) -> AgentRead:
    """The targets ``found`` (an Application) defines, and what it deploys that is not
    rendered (skipped entries) or cannot be (findings)."""
    agent = found.agent_object()
    spec = mapping(found.body.get("spec"))
    listed = _sources(spec)
    if not listed:
        return AgentRead(findings=(finding(found, ("spec",), "no-source",
                                           f"{agent} has neither spec.source nor spec.sources: "
                                           "Argo CD has nothing to render"),))
    refs = {text(s.body.get("ref")): RefSource(body=s.body, field=s.field)
            for s in listed if text(s.body.get("ref"))}
    namespace = text(mapping(spec.get("destination")).get("namespace"))
    notes = Notes()
    targets: list[tuple[int, Target]] = []
    for entry in listed:
        source = AppSource(body=entry.body, field=entry.field, found=found, context=context,
                           agent=agent, namespace=namespace, refs=refs, notes=notes)
        target = _read_source(source)
        if target is not None:
            targets.append((entry.number, target))
    if len(targets) > 1:
        targets = [(n, replace(t, name=f"{t.name} (source {n})")) for n, t in targets]
    return AgentRead(targets=tuple(t for _, t in targets), skipped=tuple(notes.skipped),
                     findings=tuple(notes.findings))


def _sources(spec: Mapping[str, Any]) -> list[_Listed]:
    many = spec.get("sources")
    if isinstance(many, Sequence) and not isinstance(many, str) and many:
        return [_Listed(body=mapping(item), field=("spec", "sources", i), number=i + 1)
                for i, item in enumerate(many)]
    one = spec.get("source")
    return [_Listed(body=one, field=("spec", "source"), number=0)] \
        if isinstance(one, Mapping) else []


def _read_source(source: AppSource) -> Target | None:
    body, notes = source.body, source.notes
    chart = text(body.get("chart"))
    if text(body.get("ref")) and "path" not in body and not chart:
        return None  # only lends its files to $ref value files
    repo = text(body.get("repoURL"))
    if not repo:
        # an invalid Application (the schema check says so): here only that nothing renders
        notes.findings.append(finding(source.found, source.field, "no-repo-url",
                                      f"{source.agent}: a source without a repoURL is not "
                                      "rendered", severity=Severity.WARNING))
        return None
    if chart:
        return _remote_chart(source, repo, chart)
    if not _this_repository(source, repo):
        return None
    folder = _folder(source)
    kind = None if folder is None else _source_type(source, folder)
    readers = {TargetKind.HELM: helm_target, TargetKind.KUSTOMIZE: kustomize_target,
               TargetKind.DIRECTORY: directory_target}
    return None if folder is None or kind is None else readers[kind](source, folder)


def _this_repository(source: AppSource, repo: str) -> bool:
    """Whether ``repo`` names this repository (else a skipped entry says what is not rendered)."""
    if normalise(repo) in source.context.repository_urls:
        return True
    source.notes.skipped.append(skipped(
        source.found, source.at("repoURL"), source.agent, unit=UNIT, group="another repository",
        what=f"source {shown(repo)} {shown(text(source.body.get('path')) or '.')}",
        why="it is another repository (list this repository's other URLs under "
            "repository_urls in .gitops-validator.yaml if it is this one)"))
    return False


def _folder(source: AppSource) -> str | None:
    """The source's folder, repository-relative; None (with a finding) when it leaves the
    repository or does not exist."""
    raw = text(source.body.get("path"))
    folder = repo_path("", raw)
    field = source.at("path")
    root = source.context.root
    if folder is None or not inside(root, folder):
        source.notes.findings.append(finding(source.found, field, "path-outside-repository",
                                             f"{source.agent}: path {shown(raw)} leaves the "
                                             "repository; not rendered"))
        return None
    if not (root / folder).is_dir():
        source.notes.findings.append(finding(source.found, field, "path-missing",
                                             f"{source.agent}: path {shown(raw)} is not a folder "
                                             "of this repository: Argo CD cannot render it"))
        return None
    return folder


def _source_type(source: AppSource, folder: str) -> TargetKind | None:
    """How Argo CD renders the source (None, with a finding or skipped entry, when it is not)."""
    named = [block for block in _TYPE_BLOCKS if _set(source.body.get(block))]
    if len(named) > 1:
        source.notes.findings.append(finding(
            source.found, source.field, "multiple-source-types",
            f"{source.agent}: the source sets {' and '.join(named)}: Argo CD refuses it "
            "(multiple application sources defined)"))
        return None
    if named == ["plugin"]:
        source.notes.skipped.append(skipped(
            source.found, source.at("plugin"), source.agent, unit=UNIT,
            group="config management plugin", what=f"source {folder}",
            why="it is rendered by a config management plugin, which the validator cannot run"))
        return None
    if named:
        return {"helm": TargetKind.HELM, "kustomize": TargetKind.KUSTOMIZE,
                "directory": TargetKind.DIRECTORY}[named[0]]
    here = source.context.root / folder
    if any((here / name).is_file() for name in KUSTOMIZATION_FILES):
        return TargetKind.KUSTOMIZE  # Argo CD's discovery: a kustomization wins over Chart.yaml
    if (here / "Chart.yaml").is_file():
        return TargetKind.HELM
    return TargetKind.DIRECTORY


def _set(block: object) -> bool:
    """Whether a type block counts: Argo CD drops empty ones (``helm: {}``) before deciding."""
    return isinstance(block, Mapping) and any(v not in (None, "", False, [], {})
                                              for v in block.values())


def _remote_chart(source: AppSource, repo: str, chart: str) -> Target | None:
    """A chart from a Helm repository or OCI registry: fetched before the render, only from
    the repositories ``charts:`` allows and at a pinned version (:mod:`validator.charts`);
    otherwise not rendered, with the fetch step's finding."""
    version = text(source.body.get("targetRevision"))
    field = source.at("chart")
    url = repo if "://" in repo else f"oci://{repo}"  # Argo CD writes OCI sources without a scheme
    result = fetch_chart(ChartRequest(repo_url=url, chart=chart, version=version,
                                      path=source.found.path, line=source.found.line(field)),
                         source.context.charts)
    if isinstance(result, FetchedChart):
        if result.local:  # a charts.local folder of this repository: rendered as one of its charts
            return helm_target(source, repo_relative(source.context.root, result.path))
        return helm_target(source, source.agent.path, fetched=result.path)
    # the finding names the Application, as the object's other findings do; the skipped
    # entry only says why in short (the finding beside it has the whole story)
    source.notes.findings.append(replace(result, message=f"{source.agent}: {result.message}"))
    source.notes.skipped.append(skipped(
        source.found, field, source.agent, unit=UNIT, group="remote chart",
        what=f"chart {shown(chart)} {shown(version or '(no version)')} from {shown(repo)}",
        why=f"not fetched ({result.rule_id.removeprefix('agent/').replace('-', ' ')})"))
    return None
