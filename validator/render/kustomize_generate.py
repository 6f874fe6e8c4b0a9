"""The kustomization Flux generates for a folder that has none.

kustomize-controller (``fluxcd/pkg/kustomize`` ``Generator``) lists, as resources, every
``.yaml`` / ``.yml`` file under the folder (recursively, in walk order) and every
subfolder holding a kustomization file (not descended into); ``.json`` files are not
listed. source-controller has already left out its default exclusions (VCS and CI
files) from the artifact. A listed file that is not a Kubernetes object makes the
agent's build fail; here it is a finding on that file and left out, so that the other
files are still checked.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from validator.load.safety import LoadLimits
from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import find_kustomization_file
from validator.render.paths import inside_root, repo_relative
from validator.render.walk import walk

#: source-controller's default exclusions that can hold YAML (the ``.sourceignore`` defaults).
_EXCLUDED_DIRS = frozenset({".git", ".github", ".circleci"})
_EXCLUDED_FILES = ("*.travis.yml", ".gitlab-ci.yml", "appveyor.yml", ".drone.yml",
                   "cloudbuild.yaml", "codeship-services.yml", "codeship-steps.yml",
                   ".goreleaser.yml", ".sops.yaml", ".flux.yaml")
_MANIFEST_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, kw_only=True)
class GeneratedResources:
    """What the generated kustomization lists, repository-relative."""

    files: tuple[str, ...] = ()
    """Manifest files, in walk order."""
    folders: tuple[str, ...] = ()
    """Subfolders with a kustomization file of their own."""
    findings: tuple[Finding, ...] = ()
    """Files the agent's build would fail on (left out of ``files``)."""


def generated_resources(root: Path, folder: str) -> GeneratedResources:
    """The resources kustomize-controller lists for ``root/folder`` (see the module docstring)."""
    files: list[str] = []
    folders: list[str] = []
    findings: list[Finding] = []
    base = root / folder
    if not inside_root(root, base):  # below it, only symlinks can lead out (walk follows none)
        return GeneratedResources()
    for current, dirs, names in walk(base):
        kept = []
        for name in sorted(dirs):
            path = Path(current) / name
            if name in _EXCLUDED_DIRS or (path.is_symlink() and not inside_root(root, path)):
                continue
            if find_kustomization_file(path) is not None:
                folders.append(repo_relative(root, path))
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            path = Path(current) / name
            if not name.endswith(_MANIFEST_SUFFIXES) or _excluded(name):
                continue
            relative = repo_relative(root, path)
            if path.is_symlink() and not inside_root(root, path):
                findings.append(_finding("render/outside-repository", relative,
                                         f"{relative} is a symlink leaving the repository; "
                                         "refused (Flux's build refuses it too)"))
                continue
            if not path.is_file():
                continue
            problem = _not_an_object(path)
            if problem:
                findings.append(_finding(
                    "render/not-a-kubernetes-object", relative,
                    f"{relative} is not a Kubernetes object ({problem}), but Flux lists every "
                    f"YAML file under {folder} in the kustomization it generates, so its build "
                    "fails; move the file out of the folder, exclude it with .sourceignore or "
                    "add a kustomization.yaml"))
            else:
                files.append(relative)
    return GeneratedResources(files=tuple(sorted(files, key=_walk_order)),
                              folders=tuple(folders), findings=tuple(findings))


def _finding(rule: str, path: str, message: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, engine=Engine.RENDER,
                   location=Location(path=path, line=1), message=message)


def _walk_order(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


def _excluded(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _EXCLUDED_FILES)


def _not_an_object(path: Path) -> str:
    """Why the file's documents are not all Kubernetes objects ("" when they are, or when
    the YAML is broken: kustomize then reports the syntax error itself, or the file is over
    the load limit: the screen refuses it unread, as every input)."""
    try:
        if path.stat().st_size > LoadLimits().max_file_bytes:
            return ""
        documents: list[Any] = list(yaml.load_all(path.read_text(encoding="utf-8"),
                                                  Loader=yaml.CSafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            return f"a YAML {type(document).__name__}"
        missing = [key for key in ("apiVersion", "kind") if not document.get(key)]
        if missing:
            return f"no {' or '.join(missing)}"
    return ""

