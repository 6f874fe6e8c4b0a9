"""Rendering an Argo CD directory source: the manifest files of a folder, applied as they are.

Which files Argo CD reads (its repo-server's ``findManifests``): ``.yaml``, ``.yml`` and
``.json`` files of the folder (``.jsonnet`` too, which is not supported here and left to
the reader to report), its subfolders only with ``recurse``; hidden files are not
skipped. ``include`` and ``exclude`` are globs (gobwas/glob without separators: ``*``
also matches ``/``; ``?``, ``[...]`` and ``{a,b}`` lists) matched against the path
relative to the folder; ``exclude`` wins. A symlink leaving the repository fails the
whole application in Argo CD; it is listed here and refused, with a finding, on render.

Each file is loaded as a plain file is (:func:`~validator.render.plain.load_manifest`:
limits, findings with file and line). Argo CD then applies every namespaced object that
names no namespace in ``destination.namespace``; scope is known from the Kubernetes
API's cluster-scoped kinds and the CRDs among the objects
(:mod:`validator.render.namespaces`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from validator.agents.argo_glob import glob_match
from validator.load.files import special_file_kind
from validator.load.safety import Expansion
from validator.render.namespaces import cluster_scoped_crds, in_release_namespace
from validator.render.options import DirectoryOptions
from validator.render.paths import repo_relative
from validator.render.plain import load_manifest
from validator.render.settings import RenderResult, RenderSettings, merge_results
from validator.render.targets import Target
from validator.render.walk import walk

_MANIFEST = re.compile(r"^.*\.(yaml|yml|json)$")


def directory_files(root: Path, folder: str, *, recurse: bool, include: str,
                    exclude: str) -> list[str]:
    """The repository-relative files Argo CD reads for a directory source at ``folder``."""
    base = root / folder
    found = []
    for current, dirs, names in walk(base):
        dirs[:] = [d for d in dirs if d != ".git"] if recurse else []
        for name in names:
            path = Path(current) / name
            if not _MANIFEST.match(name) or not path.exists() or special_file_kind(path):
                continue  # a dangling symlink or a pipe: Argo CD skips it with a warning
            below = repo_relative(base, path)
            if (exclude and glob_match(exclude, below)) or (include and not glob_match(include, below)):
                continue
            found.append(repo_relative(root, path))
    return sorted(found, key=lambda p: tuple(p.split("/")))


def render_directory(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Every file ``target.directory.files`` names, loaded; ``destination.namespace`` set on
    namespaced objects that name none."""
    options = target.directory or DirectoryOptions()
    loaded = [load_manifest(root, path, settings) for path in options.files]
    documents = [replace(d, target=target.name) for result in loaded for d in result.documents]
    if options.namespace:
        cluster_scoped = cluster_scoped_crds(documents)
        documents = [in_release_namespace(d, options.namespace, cluster_scoped)
                     for d in documents]
    merged = merge_results(loaded, set(options.files))
    return replace(merged, documents=tuple(documents), targets=1,
                   expansion=sum((r.expansion for r in loaded), Expansion()))
