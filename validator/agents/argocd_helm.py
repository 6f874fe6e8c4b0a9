"""The Helm options of an Argo CD Application source, read as Argo CD's repo-server applies them.

``helm template RELEASE FOLDER --namespace NS`` with, in order: ``valueFiles`` (relative
to the source folder; an absolute one to the repository root; ``$ref/path`` to the root
of the repository the ``ref`` source names), the inline values (``valuesObject``, which
wins over the ``values`` string when both are set), ``parameters`` (``--set``, or
``--set-string`` with ``forceString``) and ``fileParameters`` (``--set-file``, path
relative to the source folder). ``releaseName`` defaults to the Application's name, the
namespace to ``helm.namespace`` or else the destination namespace. ``skipCrds`` drops
``--include-crds``; ``kubeVersion`` and ``apiVersions`` are passed on; ``version`` may
only be ``v3``. A values file that does not exist is Argo CD's render error unless
``ignoreMissingValueFiles`` is set (then it is noted and left out). Remote value files
(``https://...``) are not fetched: the source is then not rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from validator.agents.argocd_source import UNIT, AppSource, agent_target
from validator.agents.fields import finding, inside, mapping, repo_path, shown, skipped, text
from validator.agents.repo_urls import normalise
from validator.load.safety import LimitExceededError, LoadLimits, check_limits
from validator.render.options import HelmOptions, HelmParameter, InlineValues
from validator.render.targets import Target, TargetKind


def helm_target(source: AppSource, folder: str, fetched: Path | None = None) -> Target | None:
    """The Helm target of ``source`` (a chart folder of this repository, or a chart
    ``fetched`` into the chart cache: then ``folder`` is the Application's file), or None when
    its options keep Argo CD from rendering it (each with a finding or a skipped entry)."""
    helm = mapping(source.body.get("helm"))
    if fetched is not None and any(not text(v).startswith("$")
                                   for v in _list(helm.get("valueFiles"))):
        source.notes.skipped.append(skipped(
            source.found, source.at("helm", "valueFiles"), source.agent, unit=UNIT,
            group="values file inside a fetched chart", what=f"chart {fetched.name}",
            why="a values file inside a chart fetched from a Helm repository is not read yet "
                "(use $ref/... values files, values or valuesObject)"))
        return None
    if fetched is None and not (source.context.root / folder / "Chart.yaml").is_file():
        source.notes.findings.append(finding(
            source.found, source.at("path"), "no-chart",
            f"{source.agent}: {folder} has no Chart.yaml, but the source is a Helm source"))
        return None
    version = text(helm.get("version"))
    if version not in ("", "v3"):
        source.notes.findings.append(finding(
            source.found, source.at("helm", "version"), "helm-version",
            f"{source.agent}: helm version {shown(version)} is not supported (Argo CD renders "
            "with Helm 3: use v3 or leave it out)"))
        return None
    files = _values_files(source, folder, helm)
    parameters = _parameters(source, folder, helm)
    if files is None or parameters is None:
        return None
    values_files, missing = files
    inline = _inline_values(source, helm)
    options = HelmOptions(
        inline_values=inline, parameters=parameters,
        include_crds=helm.get("skipCrds") is not True,
        kube_version=text(helm.get("kubeVersion")),
        api_versions=tuple(text(v) for v in _list(helm.get("apiVersions")) if text(v)),
        missing_values_files=missing)
    if fetched is not None:
        options = replace(options, chart_root=str(fetched))
    chart_files = [] if fetched is not None else (source.context.chart_files.get(folder)
                                                  or [f"{folder}/Chart.yaml"])
    set_files = [p.value for p in parameters if p.from_file]
    return agent_target(source, TargetKind.HELM, folder, (*chart_files, *values_files, *set_files),
                        release_name=text(helm.get("releaseName")) or source.agent.name,
                        namespace=text(helm.get("namespace")) or source.namespace,
                        values_files=values_files, helm=options)


def _list(value: object) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def _values_files(source: AppSource, folder: str, helm: Mapping[str, Any]
                  ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """``(values files, missing ones ignored)``, repository-relative; None when the source
    cannot be rendered."""
    found: list[str] = []
    missing: list[str] = []
    ignore_missing = helm.get("ignoreMissingValueFiles") is True
    root = source.context.root
    for i, raw in enumerate(_list(helm.get("valueFiles"))):
        entry, field = text(raw), source.at("helm", "valueFiles", i)
        path = _values_path(source, folder, entry, field)
        if path is None:
            return None
        if (root / path).is_file() and inside(root, path):
            found.append(path)
        elif ignore_missing:
            missing.append(path)
        else:
            source.notes.findings.append(finding(
                source.found, field, "missing-values-file",
                f"{source.agent}: values file {shown(entry)} ({path}) does not exist: Argo CD "
                "cannot render the source (set ignoreMissingValueFiles to let it pass)"))
            return None
    return tuple(found), tuple(missing)


def _values_path(source: AppSource, folder: str, entry: str, field: tuple[str | int, ...]
                 ) -> str | None:
    """The repository-relative file ``entry`` names, or None (reported) when it is not one."""
    if "://" in entry:
        source.notes.skipped.append(skipped(
            source.found, field, source.agent, unit=UNIT, group="remote values file",
            what=f"source {folder}", why=f"values file {shown(entry)} is a URL, not fetched"))
        return None
    base = folder
    if entry.startswith("$"):
        name, _, entry = entry[1:].partition("/")
        ref = source.refs.get(name)
        if ref is None:
            source.notes.findings.append(finding(
                source.found, field, "unknown-ref",
                f"{source.agent}: no source has ref {shown(name)}: Argo CD cannot render it"))
            return None
        repo = text(ref.body.get("repoURL"))
        if normalise(repo) not in source.context.repository_urls:
            source.notes.skipped.append(skipped(
                source.found, field, source.agent, unit=UNIT, group="values from another repository",
                what=f"source {folder}",
                why=f"its values file ${shown(name)}/{shown(entry)} is in another repository "
                    f"({shown(repo)})"))
            return None
        base = ""
    path = repo_path(base, entry)
    if path is None:
        source.notes.findings.append(finding(
            source.found, field, "path-outside-repository",
            f"{source.agent}: values file {shown(entry)} leaves the repository; not rendered"))
    return path


def _inline_values(source: AppSource, helm: Mapping[str, Any]) -> tuple[InlineValues, ...]:
    """``valuesObject`` (wins, as in Argo CD), else the ``values`` string parsed."""
    values_object = helm.get("valuesObject")
    if isinstance(values_object, Mapping):
        return (InlineValues(values=values_object, source=source.value_source("helm",
                                                                              "valuesObject")),)
    raw = helm.get("values")
    if isinstance(raw, Mapping):  # not what Argo CD's schema says, but what it would mean
        return (InlineValues(values=raw, source=source.value_source("helm", "values")),)
    if not isinstance(raw, str) or not raw.strip():
        return ()
    parsed = _parsed(raw)
    if parsed is None:
        source.notes.findings.append(finding(
            source.found, source.at("helm", "values"), "bad-values",
            f"{source.agent}: helm.values is not one YAML mapping; left out"))
        return ()
    return (InlineValues(values=parsed, source=source.value_source("helm", "values")),)


def _parsed(raw: str) -> Mapping[str, Any] | None:
    """The ``values`` string as a mapping (bounded as the loader bounds files), or None."""
    try:
        parsed = yaml.load(raw, Loader=yaml.CSafeLoader)
        check_limits(parsed, LoadLimits())
    except (yaml.YAMLError, LimitExceededError, ValueError, TypeError, RecursionError):
        return None
    return parsed if isinstance(parsed, Mapping) else None


def _parameters(source: AppSource, folder: str, helm: Mapping[str, Any]
                ) -> tuple[HelmParameter, ...] | None:
    """``parameters`` then ``fileParameters``; None when a file parameter cannot be read."""
    found: list[HelmParameter] = []
    for i, raw in enumerate(_list(helm.get("parameters"))):
        item = mapping(raw)
        if not text(item.get("name")):
            source.notes.findings.append(finding(source.found, source.at("helm", "parameters", i),
                                                 "bad-parameter", f"{source.agent}: a helm "
                                                 "parameter without a name; left out"))
            continue
        found.append(HelmParameter(name=text(item["name"]), value=text(item.get("value")),
                                   force_string=item.get("forceString") is True,
                                   source=source.value_source("helm", "parameters", i, "value")))
    root = source.context.root
    for i, raw in enumerate(_list(helm.get("fileParameters"))):
        item, field = mapping(raw), source.at("helm", "fileParameters", i)
        path = repo_path(folder, text(item.get("path")))
        if not text(item.get("name")) or path is None or not (root / path).is_file() \
                or not inside(root, path):
            source.notes.findings.append(finding(
                source.found, field, "bad-file-parameter",
                f"{source.agent}: file parameter {shown(text(item.get('name')))} names no file "
                f"of this repository ({shown(text(item.get('path')))}): Argo CD cannot render it"))
            return None
        found.append(HelmParameter(name=text(item["name"]), value=path, from_file=True,
                                   source=source.value_source("helm", "fileParameters", i, "path")))
    return tuple(found)
