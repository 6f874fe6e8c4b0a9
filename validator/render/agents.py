"""Folders the repository's own GitOps agent objects deploy, read for target discovery only.

An Argo CD ``Application`` (``spec.source.path``, ``spec.sources[].path``) or a Flux
``Kustomization`` (``spec.path``) in the repository says which folder a cluster
deploys; a kustomization folder named so is a target even when another
kustomization also uses it as a base. Paths are taken relative to the repository
root (the ``repoURL``/``sourceRef`` is not compared). Only the path is read here:
rendering agent objects with their options is a later step. Files are read with
a size bound and only parsed when they mention an agent's API group; one that
cannot be parsed is left to the load stage, which reports it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from validator.load.positions import TextLocator

_MAX_BYTES = 1024 * 1024
_ARGO, _FLUX = "argoproj.io/", "kustomize.toolkit.fluxcd.io/"


@dataclass(frozen=True, kw_only=True)
class AgentPath:
    """One folder an agent object deploys."""

    directory: str
    """Repository-relative folder."""
    reason: str
    """``named by Application web (clusters/prod/web.yaml:8)``."""


def agent_paths(root: Path, manifests: Iterable[str]) -> dict[str, str]:
    """Folder -> why, for every folder an agent object among ``manifests`` names (first wins)."""
    found: dict[str, str] = {}
    base = str(root)
    for path in manifests:
        for named in _paths_in(base, path):
            found.setdefault(named.directory, named.reason)
    return found


def _paths_in(root: str, path: str) -> Iterator[AgentPath]:
    try:  # plain strings: thousands of files, and pathlib costs more than the read
        with open(os.path.join(root, path), "rb") as handle:  # noqa: PTH118, PTH123
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return
    if len(data) > _MAX_BYTES or (_ARGO.encode() not in data and _FLUX.encode() not in data):
        return
    try:
        text = data.decode("utf-8")
        bodies = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError, RecursionError):
        return
    locator: TextLocator | None = None
    for index, body in enumerate(bodies):
        for field_path, value in _named_paths(body):
            directory = _clean(value)
            if directory is None:
                continue
            locator = locator or TextLocator(text, path=path)
            line = locator.locate(index, field_path).line
            yield AgentPath(directory=directory,
                            reason=f"named by {body['kind']} {_name(body)} ({path}:{line})")


def _named_paths(body: object) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if not isinstance(body, Mapping) or not isinstance(body.get("spec"), Mapping):
        return
    api, kind, spec = str(body.get("apiVersion", "")), body.get("kind"), body["spec"]
    if api.startswith(_ARGO) and kind == "Application":
        source = spec.get("source")
        if isinstance(source, Mapping) and isinstance(source.get("path"), str):
            yield ("spec", "source", "path"), source["path"]
        sources = spec.get("sources")
        for i, item in enumerate(sources if isinstance(sources, list) else ()):
            if isinstance(item, Mapping) and isinstance(item.get("path"), str):
                yield ("spec", "sources", i, "path"), item["path"]
    elif api.startswith(_FLUX) and kind == "Kustomization" and isinstance(spec.get("path"), str):
        yield ("spec", "path"), spec["path"]


def _clean(value: str) -> str | None:
    """A repository-relative folder, or None for one that leaves the repository."""
    normal = posixpath.normpath(value.strip().lstrip("/") or ".")
    return None if normal == ".." or normal.startswith("../") else normal


def _name(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else "<no name>"
