"""The wrapper kustomization of an agent target: the agent object's overrides, as the agent applies them.

Argo CD runs ``kustomize edit set ...`` in the application's folder and Flux writes its
``Kustomization``'s fields into the folder's kustomization (generating one when the
folder has none). Here the user's tree is never touched: the overrides go into the
throw-away wrapper kustomization that already lists the target (see :mod:`kustomize`),
so they act on the folder's built objects with kustomize's own transformers. What the
load restrictor refuses by path from the wrapper (a patch file, the files of a folder
without kustomization) is copied under ``files/<repository path>`` in the wrapper, and
mapped back to the repository file by that path. Folders (the target, components,
kustomizations below a generated one) are new kustomize roots and are referenced in
place. Paths leaving the repository are findings, never built.

Known difference: an override the folder's own kustomization also sets (``namePrefix``,
an ``images`` entry of the same name) is stacked on top of it here, where the agent's
in-place edit replaces it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import PatchRef, find_kustomization_file
from validator.render.kustomize_generate import generated_resources
from validator.render.kustomize_overrides import Labelled, OptionLines, OverrideLocator, is_op_list
from validator.render.options import KustomizeOptions
from validator.render.paths import inside_root

#: The wrapper folder holding copies of files the load restrictor refuses by path.
COPIES = "files"
_IMAGE_KEYS = ("name", "newName", "newTag", "digest")
_TAG = re.compile(r"^(.*):([a-zA-Z0-9._-]*|\*)$")


@dataclass(frozen=True, kw_only=True)
class WrapperPlan:
    """What the wrapper kustomization holds, with repository-relative paths (so that it keys
    the render cache wherever the checkout and the wrapper are)."""

    resources: tuple[str, ...]
    """Repository-relative folders and files, in order; files are among ``copies``."""
    fields: Mapping[str, Any] = field(default_factory=dict)
    """The override fields (patch paths already point at their copies)."""
    components: tuple[str, ...] = ()
    """Repository-relative component folders."""
    copies: tuple[str, ...] = ()
    """Repository-relative files copied under :data:`COPIES`."""
    findings: tuple[Finding, ...] = ()
    """Options that cannot be applied (the target is not built when there are any)."""
    notes: tuple[Finding, ...] = ()
    """Files left out of a generated kustomization (reported; the rest is built)."""
    overrides: OverrideLocator | None = None
    """Where the fields the overrides set were written (None: no agent object source)."""

    def key(self) -> str:
        """Everything the wrapper means, for the render cache key."""
        return json.dumps({"resources": self.resources, "fields": self.fields,
                           "components": self.components, "copies": self.copies},
                          sort_keys=True)

    def write(self, wrapper: Path, real_root: Path) -> None:
        """The wrapper kustomization (and the copies) in ``wrapper``."""
        for relative in self.copies:
            copy = wrapper / COPIES / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real_root / relative, copy)
        copies = set(self.copies)
        data: dict[str, Any] = {
            "resources": [f"{COPIES}/{r}" if r in copies else _relative(real_root, r, wrapper)
                          for r in self.resources],
            "buildMetadata": ["originAnnotations"], **self.fields}
        if self.components:
            data["components"] = [_relative(real_root, c, wrapper) for c in self.components]
        (wrapper / "kustomization.yaml").write_text(json.dumps(data))


def plan_wrapper(root: Path, path: str, options: KustomizeOptions | None) -> WrapperPlan:
    """The wrapper for target folder ``path`` with ``options`` (None: the folder as it is)."""
    if options is None:
        return WrapperPlan(resources=(path,))
    lines = OptionLines(root, options.source, fallback=path)
    builder = _Builder(root, path, lines)
    resources: tuple[str, ...] = (path,)
    notes: tuple[Finding, ...] = ()
    if options.generate and not inside_root(root, root / path):
        builder.refuse("render/outside-repository", f"folder {path} leaves the repository "
                       "(through a symlink); refused", ("path",))
        resources = ()
    elif options.generate and not (root / path).is_dir():
        builder.refuse("render/missing-reference", f"folder {path} does not exist in the "
                       "repository", ("path",))
        resources = ()
    elif options.generate and find_kustomization_file(root / path) is None:
        generated = generated_resources(root, path)
        resources = tuple(sorted((*generated.files, *generated.folders),
                                 key=lambda p: tuple(p.split("/"))))
        builder.copies.extend(generated.files)
        notes = generated.findings
    fields = builder.fields(options)
    return WrapperPlan(resources=resources, fields=fields, components=builder.components(options),
                       copies=tuple(builder.copies), findings=tuple(builder.findings),
                       notes=notes, overrides=_override_locator(root, options, lines, fields)
                       if options.source else None)


class _Builder:
    """Collects the wrapper's fields, its copies and the options that cannot be applied."""

    def __init__(self, root: Path, path: str, lines: OptionLines) -> None:
        self.root, self.path, self.lines = root, path, lines
        self.copies: list[str] = []
        self.findings: list[Finding] = []

    def fields(self, options: KustomizeOptions) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, value in (("namePrefix", options.name_prefix),
                            ("nameSuffix", options.name_suffix),
                            ("namespace", options.namespace)):
            if value:
                fields[name] = value
        images = self.images(options)
        if images:
            fields["images"] = images
        if options.labels and options.labels_without_selector:
            fields["labels"] = [{"pairs": dict(options.labels)}]
        elif options.labels:
            fields["commonLabels"] = dict(options.labels)
        if options.annotations:
            fields["commonAnnotations"] = dict(options.annotations)
        if options.replicas:
            fields["replicas"] = [{k: entry[k] for k in ("name", "count") if k in entry}
                                  for entry in options.replicas]
        patches = [self.patch(i, entry) for i, entry in enumerate(options.patches)]
        if patches:
            fields["patches"] = patches
        metadata = _common_metadata(options.common_metadata)
        if metadata:
            fields["transformers"] = metadata
        plain: dict[str, Any] = _plain(fields)
        return plain

    def images(self, options: KustomizeOptions) -> list[dict[str, str]]:
        """Argo CD's ``kustomize edit set image`` keeps one entry per name (the last given)
        and sorts the entries by name; Flux replaces an entry of the same name in place."""
        by_name: dict[str, dict[str, str]] = {}
        for i, text in enumerate(options.images):
            parsed = parse_image(text)
            if parsed is None:
                self.refuse("render/kustomize-option-invalid", f"image override {text!r} is "
                            "not one of <image>=<newimage>:<newtag>, <image>=<newimage>@<digest>, "
                            "<image>=<newimage>, <image>:<newtag>, <image>@<digest>",
                            ("images",), i)
            else:
                by_name[parsed.get("name", "")] = parsed
        images = [by_name[name] for name in sorted(by_name)]
        entries: dict[str, dict[str, str]] = {}
        for entry in options.image_entries:
            image = {k: str(entry[k]) for k in _IMAGE_KEYS if entry.get(k) not in (None, "")}
            entries[image.get("name", "")] = image  # same position, new value
        return images + list(entries.values())

    def patch(self, i: int, entry: Mapping[str, Any]) -> dict[str, Any]:
        patch = dict(entry)
        if isinstance(patch.get("path"), str):
            resolved = self.inside(patch["path"], self.path, "patch file", ("patches",), i,
                                   "path")
            if resolved and not (self.root / resolved).is_file():
                self.refuse("render/missing-reference", f"patch file {patch['path']!r} does not "
                            "exist", ("patches",), i, "path")
            elif resolved:
                self.copies.append(resolved)
                patch["path"] = f"{COPIES}/{resolved}"
        return patch

    def components(self, options: KustomizeOptions) -> tuple[str, ...]:
        found = []
        for i, component in enumerate(options.components):
            resolved = self.inside(component, "", "component", ("components",), i)
            if resolved and not (self.root / resolved).is_dir():
                self.refuse("render/missing-reference", f"component {component!r} is not a "
                            "folder of the repository", ("components",), i)
            elif resolved:
                found.append(resolved)
        return tuple(found)

    def inside(self, reference: str, relative_to: str, what: str, keys: tuple[str, ...],
               *rest: str | int) -> str:
        """``reference`` (relative to ``relative_to``) as a repository-relative path, or "" (and
        a finding) when it leaves the repository."""
        joined = os.path.normpath(os.path.join(relative_to, reference))  # noqa: PTH118
        if Path(reference).is_absolute() or joined == ".." or joined.startswith("../") \
                or not inside_root(self.root, self.root / joined):
            self.refuse("render/outside-repository", f"{what} {reference!r} leaves the "
                        "repository (directly or through a symlink); refused", keys, *rest)
            return ""
        return joined

    def refuse(self, rule: str, message: str, keys: tuple[str, ...], *rest: str | int) -> None:
        location = self.lines.location(keys, *rest)
        self.findings.append(Finding(rule_id=rule, severity=Severity.ERROR, message=message,
                                     engine=Engine.RENDER,
                                     location=Location(path=location.path, line=location.line)))


def parse_image(text: str) -> dict[str, str] | None:
    """A ``kustomize edit set image`` argument as an ``images`` entry (None when invalid);
    a ``*`` (keep the kustomization's value) keeps nothing in a fresh wrapper."""
    parts = text.split("=")
    if len(parts) == 2:
        name, rest = parts[0], _overwrite(parts[1], new_name=True)
        if rest is None:
            return None
        entry = {"name": name, **dict(zip(("newName", "newTag", "digest"), rest, strict=True))}
    else:
        rest = _overwrite(text, new_name=False)
        if rest is None:
            return None
        entry = {"name": rest[0], "newTag": rest[1], "digest": rest[2]}
    return {k: v for k, v in entry.items() if v and v != "*"}


def _overwrite(text: str, *, new_name: bool) -> tuple[str, str, str] | None:
    """``(name, tag, digest)`` of ``name@digest``, ``name:tag`` or (``new_name``) ``name``."""
    if "@" in text:
        name, digest = text.split("@")[:2]
        return name, "", digest
    match = _TAG.match(text)
    if match:
        return match.group(1), match.group(2), ""
    return (text, "", "") if text and new_name else None


def _common_metadata(metadata: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Flux ``commonMetadata`` as builtin transformers that touch ``metadata`` only (no
    selectors, no templates), as kustomize-controller sets them on each object."""
    transformers = []
    for key, kind in (("labels", "LabelTransformer"), ("annotations", "AnnotationsTransformer")):
        values = metadata.get(key)
        if values:
            transformers.append(json.dumps({
                "apiVersion": "builtin", "kind": kind,
                "metadata": {"name": f"flux-common-metadata-{key}"},
                key: dict(values), "fieldSpecs": [{"path": f"metadata/{key}", "create": True}]}))
    return transformers


def _override_locator(root: Path, options: KustomizeOptions, lines: OptionLines,
                      fields: Mapping[str, Any]) -> OverrideLocator:
    """Where each override the wrapper applies was written in the agent object."""
    def named(value: str, key: str) -> tuple[str, Location] | None:
        return (value, lines.location((key,))) if value else None

    parsed = [(i, parse_image(text)) for i, text in enumerate(options.images)]
    images: list[tuple[int, Mapping[str, Any] | None]] = sorted(  # in the order applied
        parsed, key=lambda entry: str((entry[1] or {}).get("name", "")))
    images += [(i, entry) for i, entry in enumerate(options.image_entries)]
    metadata_labels = options.common_metadata.get("labels") or {}
    metadata_annotations = options.common_metadata.get("annotations") or {}
    labels = {k: Labelled(value=v, location=lines.location(("commonMetadata",), "labels", k),
                          beyond_metadata=False) for k, v in metadata_labels.items()}
    labels |= {k: Labelled(value=v, location=lines.location(("commonLabels",), k),
                           beyond_metadata=not options.labels_without_selector)
               for k, v in options.labels.items()}
    annotations = {k: Labelled(value=v, location=lines.location(("commonMetadata",),
                                                                 "annotations", k),
                               beyond_metadata=False) for k, v in metadata_annotations.items()}
    annotations |= {k: Labelled(value=v, location=lines.location(("commonAnnotations",), k),
                                beyond_metadata=True) for k, v in options.annotations.items()}
    patches = []
    for i, entry in enumerate(fields.get("patches", ())):
        target = entry.get("target") if isinstance(entry.get("target"), Mapping) else {}
        if isinstance(entry.get("patch"), str):
            ref = lines.patch_ref(i, entry["patch"], target or {})
        elif isinstance(entry.get("path"), str) and entry["path"].startswith(f"{COPIES}/"):
            source = entry["path"].removeprefix(f"{COPIES}/")
            text = (root / source).read_text(encoding="utf-8", errors="replace")
            ref = PatchRef(source=source, text=text, line_offset=0, json6902=is_op_list(text),
                           target={k: str(v) for k, v in (target or {}).items()
                                   if isinstance(v, str)})
        else:
            ref = None
        if ref is not None:
            patches.append(ref)
    return OverrideLocator(
        namespace=(options.namespace, lines.location(("namespace", "targetNamespace")))
        if options.namespace else None,
        name_prefix=named(options.name_prefix, "namePrefix"),
        name_suffix=named(options.name_suffix, "nameSuffix"),
        images=tuple((frozenset(str(e[k]) for k in ("name", "newName") if e.get(k)),
                      lines.location(("images",), i)) for i, e in images if e),
        labels=labels, annotations=annotations,
        replicas={str(e["name"]): lines.location(("replicas",), i)
                  for i, e in enumerate(options.replicas) if e.get("name")},
        patches=tuple(patches))


def _plain(value: object) -> Any:
    """``value`` with every mapping a dict and every sequence a list (JSON, as written)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _relative(real_root: Path, relative: str, wrapper: Path) -> str:
    return os.path.relpath(real_root / relative, wrapper)
