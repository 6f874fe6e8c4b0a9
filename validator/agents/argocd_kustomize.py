"""The Kustomize and directory options of an Argo CD Application source.

Kustomize: Argo CD runs ``kustomize edit`` on the folder's kustomization before the
build for ``namePrefix``, ``nameSuffix``, ``images``, ``commonLabels`` (with
``labelWithoutSelector``), ``commonAnnotations``, ``namespace``, ``replicas``,
``patches`` and ``components`` (folders relative to the source folder); they are
carried on the target as :class:`KustomizeOptions` and applied in the build's wrapper.
Only ``kustomize.namespace`` rewrites namespaces in the build; objects that name none
land in the destination namespace when applied (the target's namespace).

Directory: the ``.yaml``, ``.yml`` and ``.json`` files of the folder (and of its
sub-folders with ``recurse``), those matching ``include`` and not ``exclude`` (Argo CD
globs, matched against the path below the folder); ``.jsonnet`` files are Argo CD's too,
but Jsonnet is not evaluated here: they are reported as not rendered.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from validator.agents.argo_glob import glob_match
from validator.agents.argocd_source import UNIT, AppSource, agent_target
from validator.agents.fields import finding, inside, mapping, repo_path, shown, skipped, text
from validator.render.directory import directory_files
from validator.render.kustomization import Kustomization
from validator.render.kustomization_reader import read_tree
from validator.render.options import DirectoryOptions, KustomizeOptions
from validator.render.targets import Target, TargetKind
from validator.render.walk import walk

#: Files of a directory source Argo CD reads as manifests (Jsonnet aside).
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def _list(value: object) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def _strings(value: object) -> dict[str, str]:
    return {str(k): text(v) for k, v in mapping(value).items()}


def kustomize_target(source: AppSource, folder: str) -> Target | None:
    """The Kustomize target of ``source``, or None (with a finding) when Argo CD cannot build it."""
    tree = source.context.kustomize_tree(folder) or _chart_folder_tree(source, folder)
    if not tree:
        source.notes.findings.append(finding(
            source.found, source.at("path"), "no-kustomization",
            f"{source.agent}: {folder} has no kustomization file, but the source is a "
            "Kustomize source: kustomize build fails"))
        return None
    kustomize = mapping(source.body.get("kustomize"))
    inputs = [path for k in tree for path in (k.path, *k.files)]
    components = _components(source, folder, kustomize, inputs)
    patches = tuple(mapping(p) for p in _list(kustomize.get("patches")))
    for i, patch in enumerate(patches):
        if isinstance(patch.get("path"), str):
            path = repo_path(folder, patch["path"])
            if path is None:
                source.notes.findings.append(finding(
                    source.found, source.at("kustomize", "patches", i, "path"),
                    "path-outside-repository",
                    f"{source.agent}: patch {shown(patch['path'])} leaves the repository"))
                return None
            inputs.append(path)
    if components is None:
        return None
    options = KustomizeOptions(
        name_prefix=text(kustomize.get("namePrefix")), name_suffix=text(kustomize.get("nameSuffix")),
        namespace=text(kustomize.get("namespace")),
        images=tuple(text(i) for i in _list(kustomize.get("images")) if text(i)),
        labels=_strings(kustomize.get("commonLabels")),
        labels_without_selector=kustomize.get("labelWithoutSelector") is True,
        annotations=_strings(kustomize.get("commonAnnotations")),
        replicas=tuple(mapping(r) for r in _list(kustomize.get("replicas"))),
        patches=patches, components=components,
        source=source.value_source("kustomize"))
    return agent_target(source, TargetKind.KUSTOMIZE, folder, sorted(set(inputs)),
                        kustomize=options)


def _chart_folder_tree(source: AppSource, folder: str) -> list[Kustomization]:
    """The kustomization of a folder that also holds a ``Chart.yaml`` (the scan sees a chart
    there and reads no kustomization; Argo CD builds the kustomization)."""
    return list(read_tree(source.context.root, folder, {}))


def _components(source: AppSource, folder: str, kustomize: Mapping[str, Any], inputs: list[str]
                ) -> tuple[str, ...] | None:
    """The components, repository-relative (their files added to ``inputs``); None when one
    leaves the repository or is missing (``ignoreMissingComponents`` lets a missing one pass)."""
    found = []
    root = source.context.root
    for i, raw in enumerate(_list(kustomize.get("components"))):
        field = source.at("kustomize", "components", i)
        path = repo_path(folder, text(raw))
        if path is None or not inside(root, path):
            source.notes.findings.append(finding(source.found, field, "path-outside-repository",
                                                 f"{source.agent}: component {shown(text(raw))} "
                                                 "leaves the repository"))
            return None
        tree = source.context.kustomize_tree(path)
        if not tree:
            if kustomize.get("ignoreMissingComponents") is True:
                continue
            source.notes.findings.append(finding(source.found, field, "missing-component",
                                                 f"{source.agent}: component {shown(text(raw))} "
                                                 f"({path}) has no kustomization file"))
            return None
        found.append(path)
        inputs.extend(p for k in tree for p in (k.path, *k.files))
    return tuple(found)


def directory_target(source: AppSource, folder: str) -> Target | None:
    """The directory target of ``source``: the files Argo CD would apply; Jsonnet files
    among them are reported as not rendered."""
    directory = mapping(source.body.get("directory"))
    recurse = directory.get("recurse") is True
    include, exclude = text(directory.get("include")), text(directory.get("exclude"))
    prefix = "" if folder == "." else folder + "/"
    files = directory_files(source.context.root, folder, recurse=recurse, include=include,
                            exclude=exclude)
    jsonnet = [path for path in _jsonnet_files(source.context.root, folder, recurse)
               if _chosen(path[len(prefix):], recurse, include, exclude)]
    if jsonnet:
        source.notes.skipped.append(skipped(
            source.found, source.at("path"), source.agent, unit=UNIT,
            group="Jsonnet is not supported",
            what=f"{len(jsonnet)} Jsonnet file(s) of source {folder} ({shown(', '.join(jsonnet))})",
            why="Jsonnet is not supported"))
    options = DirectoryOptions(recurse=recurse, include=include, exclude=exclude,
                               files=tuple(files), namespace=source.namespace)
    return agent_target(source, TargetKind.DIRECTORY, folder, files, directory=options)


def _chosen(relative: str, recurse: bool, include: str, exclude: str) -> bool:
    if not relative.endswith((*_MANIFEST_SUFFIXES, ".jsonnet")) or (not recurse and "/" in relative):
        return False
    if exclude and glob_match(exclude, relative):
        return False
    return not include or glob_match(include, relative)


def _jsonnet_files(root: Path, folder: str, recurse: bool) -> Iterator[str]:
    """Repository-relative ``.jsonnet`` files of ``folder`` (of its sub-folders with ``recurse``)."""
    for current, dirs, names in walk(root / folder):
        here = posixpath.normpath(posixpath.join(folder, os.path.relpath(current, root / folder)))
        dirs[:] = [d for d in dirs if recurse and not d.startswith(".")]
        for name in sorted(names):
            if name.endswith(".jsonnet"):
                yield posixpath.join(here, name) if here != "." else name
