"""What the plan passes over, as counted skipped entries: agent sources no reader read, ignored files.

An Argo CD ``Application`` or a Flux ``Kustomization``/``HelmRelease`` says what the
agent will apply: a Git path, a chart. The agent readers (validator/agents) turn the
objects they read into targets, and report what they cannot render themselves. An
object no reader reads (``agents: off``, or the other agent's objects under
``agents: argocd|flux``) would deploy something unchecked, so each of its sources is
reported as a skipped entry naming the object, the source and why it was not read
(``2 HelmRelease charts not rendered`` on the summary line) instead of passing unseen.
A source path the run renders as a target of its own was checked, only without the
object's options (``checked without the agent object's options``). The object itself
is still schema- and policy-checked.

Files the target plan leaves out are counted by the kind of reason (hidden, ignored by
the configuration file, unreadable...), never by the reason's exact words, so that
like entries add up on the summary line.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from validator.agents.model import AgentMode
from validator.load import Document
from validator.model import Skipped

#: The agent whose objects each API group holds, and its name in messages.
_AGENTS = {"argoproj.io": ("argocd", "Argo CD"), "kustomize.toolkit.fluxcd.io": ("flux", "Flux"),
           "helm.toolkit.fluxcd.io": ("flux", "Flux")}
_GROUP = "not rendered"
_WITHOUT_OPTIONS = "checked without the agent object's options"
_MAX_SHOWN = 200


def _text(value: object) -> str:
    """A source field as shown in a reason: strings only, cut to a readable length."""
    return value[:_MAX_SHOWN] if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _group(document: Document) -> str:
    return document.api_version.partition("/")[0]


def _argo_sources(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    sources = spec.get("sources")
    listed = sources if isinstance(sources, list) and sources else [spec.get("source")]
    described = []
    for source in map(_mapping, listed):
        where = " ".join(part for part in (_text(source.get("repoURL")),
                                           _text(source.get("path")) or _text(source.get("chart")))
                         if part)
        described.append((where or "(no source)", _text(source.get("path"))))
    return described


def _entries(document: Document) -> Iterator[tuple[str, str, str]]:
    """``(unit, what is not rendered, the repository path it names or "")`` for one object;
    nothing for objects of no agent."""
    spec = _mapping(document.body.get("spec"))
    match (_group(document), document.kind):
        case ("argoproj.io", "Application"):
            for source, path in _argo_sources(spec):
                yield "Argo CD Application source", f"source {source}", path
        case ("argoproj.io", "ApplicationSet"):
            yield "Argo CD ApplicationSet", "the applications it generates", ""
        case ("kustomize.toolkit.fluxcd.io", "Kustomization"):
            path = _text(spec.get("path"))
            yield "Flux Kustomization path", f"path {path or './'}", path or "."
        case ("helm.toolkit.fluxcd.io", "HelmRelease"):
            chart_spec = _mapping(_mapping(spec.get("chart")).get("spec"))
            chart = _text(chart_spec.get("chart"))
            ref = _mapping(spec.get("chartRef"))
            shown = chart or " ".join(filter(None, (_text(ref.get("kind")), _text(ref.get("name")))))
            # from a GitRepository or Bucket, the chart is a path in that source
            in_source = _mapping(chart_spec.get("sourceRef")).get("kind") in ("GitRepository", "Bucket")
            yield "HelmRelease chart", f"chart {shown or '(none named)'}", chart if in_source else ""
        case _:
            return


def _why(document: Document, mode: AgentMode) -> str:
    """Why no reader read ``document``: the ``agents:`` setting, or (read in this mode, yet
    left over) the object came out of a render no reader follows."""
    agent, shown = _AGENTS.get(_group(document), ("", "agent"))
    if mode is AgentMode.OFF:
        return "(agents: off in the configuration file)"
    if not mode.reads(agent):
        return f"({shown} objects are not read with agents: {mode.value})"
    return f"({shown} objects rendered out of a target are not read)"


def _folder(path: str) -> str | None:
    """The repository-relative folder an agent path names (None when it leaves the root)."""
    normal = posixpath.normpath(path.strip().lstrip("/") or ".")
    return None if normal == ".." or normal.startswith("../") else normal


def unrendered_agent_sources(documents: Sequence[Document], targets: Collection[str] = (),
                             mode: AgentMode = AgentMode.AUTO) -> list[Skipped]:
    """One skipped entry per source of an agent object among ``documents`` (objects no
    reader read in ``mode``). A source whose path is one of ``targets`` (folders the run
    renders) was checked, only without the agent object's own options (target namespace,
    patches, values files...)."""
    skipped = []
    for document in documents:
        entries = list(_entries(document))
        if not entries:
            continue
        where = f"{document.path}:{document.locate(()).line}"
        why = _why(document, mode)
        for unit, what, path in entries:
            folder = _folder(path) if path else None
            if folder is not None and folder in targets:
                skipped.append(Skipped(
                    path=where, unit=unit, group=_WITHOUT_OPTIONS,
                    reason=f"{document.resource}: {what} is checked as target {folder}, but "
                           f"without this object's own options {why}"))
                continue
            skipped.append(Skipped(path=where, reason=f"{document.resource}: {what} is not rendered {why}",
                                   unit=unit, group=_GROUP))
    return skipped


#: Prefixes of the plan's reasons for leaving a file out, and the group each is counted in.
_FILE_GROUPS = (
    ("in kustomization directory", "not checked: in a kustomization folder, not referenced"),
    ("matches ignore pattern", "not checked: ignored by the configuration file"),
    ("hidden", "not checked: hidden"),
    ("cannot be read", "not checked: cannot be read"),
    ("symlink leaving", "not checked: symlink leaving the repository"),
    ("values file no Helm target uses", "not checked: values file no Helm target uses"),
)


def ignored_file(path: str, reason: str) -> Skipped:
    """A file the target plan leaves out, as a counted skipped entry."""
    group = next((name for prefix, name in _FILE_GROUPS if reason.startswith(prefix)), "")
    return Skipped(path=path, reason=reason, unit="file", group=group)
