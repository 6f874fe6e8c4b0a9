"""Rendering a Kustomize target with ``kustomize build``, mapped back to its sources.

Origin annotations are turned on for the build only, without touching the user's
tree: a throw-away kustomization in a temporary directory outside the repository
lists the target as its only resource (by relative path: kustomize refuses absolute
roots, and a directory resource is a new root, so the load restrictor still holds
inside the target) and adds ``buildMetadata: [originAnnotations]``. The
annotation is removed from every object before anything checks it (unless the
user's own kustomization asks for it: then the agent applies it too).
Patched fields are traced by reading the patches (:mod:`kustomize_map`), not from
``transformerAnnotations``, which name the kustomization but not the patch file
and list a PatchTransformer on every object whether it matched or not.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from validator.errors import CommandError
from validator.load import load_bytes
from validator.model import Engine, Finding, Location, Severity, Skipped
from validator.process import Command, run
from validator.render.cache import CachedRender, cached_render, render_key, repeatable_failure
from validator.render.kustomization import Kustomization
from validator.render.kustomization_reader import read_tree
from validator.render.kustomize_map import KustomizeLocator, Origin
from validator.render.kustomize_options import COPIES, plan_wrapper
from validator.render.paths import inside_root, repo_relative
from validator.render.post_build import post_build
from validator.render.sandbox_findings import memory_finding, network_finding
from validator.render.screen import screen_inputs
from validator.render.settings import RenderResult, RenderSettings
from validator.render.sourcemap import SourceFiles
from validator.render.targets import Target
from validator.tools import Tool, require_tool

_LOGGER = logging.getLogger(__name__)

ORIGIN = "config.kubernetes.io/origin"


def render_kustomize(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Build ``target``; refused references and build errors become findings."""
    root = root.absolute()
    plan = plan_wrapper(root, target.path, target.kustomize)
    generated = target.path not in plan.resources  # Flux: a folder without kustomization
    cache: dict[str, Kustomization | None] = {}
    tree = [] if generated else list(read_tree(root, target.path, cache))
    if not tree and not generated:
        return _failed(target, f"{target.path}/kustomization.yaml", 0,
                       "render/kustomization-invalid", "no kustomization file")
    roots = [r for r in (*plan.resources, *plan.components)
             if r not in plan.copies and r != target.path]
    order = _unique([*apply_order(tree)] if tree else [])
    for folder in roots:  # components and the kustomizations below a generated folder
        order = _unique([*order, *apply_order(list(read_tree(root, folder, cache)) or [])])
    head = tree[0].path if tree else (target.kustomize.source.path if target.kustomize
                                      and target.kustomize.source else
                                      (plan.copies or (target.path,))[0])
    refused = [*plan.findings, *(f for k in order for f in k.findings)]
    refused += [_finding(k.path, 0, "render/outside-repository",
                         "kustomization file is a symlink leaving the repository; refused")
                for k in order if not inside_root(root, root / k.path)]
    files = {path for k in order for path in (k.path, *k.files)} | set(plan.copies)
    refused += screen_inputs(root, files, settings.load_options.limits,
                             target=f"kustomization {target.path}")
    if refused:
        return RenderResult(findings=(*plan.notes, *refused), files_read=len(files), targets=1)
    real_root = Path(os.path.realpath(root))
    with tempfile.TemporaryDirectory(prefix="gitops-validator-kustomize-") as tmp:
        wrapper = Path(tmp) / "build"
        wrapper.mkdir()
        plan.write(wrapper, real_root)
        command = kustomize_command(wrapper, settings=settings, home=Path(tmp))
        folders = {k.directory for k in order} | ({target.path} if generated else set())
        rendered = cached_render(
            lambda: render_key(target, root=root, tool=Tool.KUSTOMIZE, files=files,
                               folders=folders,
                               options=("kustomize build", *command.args[3:], plan.key())),
            settings, lambda: _build(command, target, tree=order, head=head,
                                     roots=(real_root, root), files=files))
        if rendered.findings or not rendered.outputs:
            return RenderResult(findings=(*plan.notes, *rendered.findings),
                                files_read=len(files), targets=1)
        origin_base = (Path(rendered.context["wrapper"]), Path(rendered.context["real_root"]))
        locator = KustomizeLocator(sources=SourceFiles(root), kustomizations=order,
                                   overrides=plan.overrides, head=head)
        loaded = post_build(rendered.outputs[0], target, root, lambda output: _load(  # Flux
            output, target, order, settings, locator=locator, head=head, origin_base=origin_base))
        if not loaded.documents and not loaded.findings:  # not the loader's "empty file"
            empty = Skipped(path=head, reason=f"kustomize build {target.path} produced "
                                              "no objects (empty render)",
                            unit="kustomization", group="not checked: empty render")
            loaded = replace(loaded, skipped=(empty,))
        return replace(loaded, findings=(*plan.notes, *loaded.findings), files_read=len(files))


def _unique(kustomizations: list[Kustomization]) -> list[Kustomization]:
    """Each kustomization once, where it first appears."""
    unique: dict[str, Kustomization] = {}
    for kustomization in kustomizations:
        unique.setdefault(kustomization.path, kustomization)
    return list(unique.values())


def _build(command: Command, target: Target, *, tree: list[Kustomization], head: str,
           roots: tuple[Path, Path], files: set[str]) -> CachedRender:
    """The raw output of ``kustomize build`` and the folders its origin annotations are
    relative to, or the build error as a finding on the file that broke. ``roots`` are the
    repository's real path and the path it was named by."""
    real_root, root = roots
    wrapper = command.cwd or Path()
    try:
        output = run(command).stdout
    except CommandError as exc:
        path, line = _blame(exc, tree, (real_root, wrapper), root, head=head)
        what = f"kustomize build {target.path}"
        stopped = (memory_finding(exc, what=what, path=head)
                   or network_finding(exc, what=what, path=path, root=root, inputs=files))
        if stopped is None:
            message = _clean_message(exc, real_root, wrapper)
            stopped = _finding(path, line, "render/kustomize-failed", f"{what} failed: {message}")
        return CachedRender(findings=(stopped,), cacheable=repeatable_failure(exc))
    return CachedRender(outputs=(output,),
                        context={"wrapper": str(wrapper), "real_root": str(real_root)})


def kustomize_command(wrapper: Path, *, settings: RenderSettings, home: Path) -> Command:
    """``kustomize build`` of the wrapper directory: no plugins, no helm, root-only loading."""
    return Command(
        args=(str(require_tool(Tool.KUSTOMIZE)), "build", str(wrapper),
              "--load-restrictor", "LoadRestrictionsRootOnly"),
        cwd=wrapper, timeout=settings.timeout, max_output=settings.max_output_bytes,
        memory_limit=settings.memory_limit, isolate_network=True,
        env={"HOME": str(home), "XDG_CONFIG_HOME": str(home),
             "KUSTOMIZE_PLUGIN_HOME": f"{home}/no-plugins"})


def _load(output: bytes, target: Target, tree: list[Kustomization], settings: RenderSettings,
          *, locator: KustomizeLocator, head: str, origin_base: tuple[Path, Path]) -> RenderResult:
    wrapper, real_root = origin_base
    loaded = load_bytes(output, display_path=head, options=settings.load_options,
                        locator=locator, render_of=f"kustomize build {target.path}")
    keep = any("originAnnotations" in k.build_metadata for k in tree)  # the user's own
    documents = []
    for document in loaded.documents:
        origin = (_pop_origin(document.body, wrapper, real_root, keep=keep)
                  or Origin(path=head))
        locator.register(document.index, origin, document.body)
        documents.append(replace(document, path=origin.path, target=target.name))
    return RenderResult(documents=tuple(documents), findings=loaded.findings,
                        skipped=loaded.skipped, targets=1, expansion=loaded.expansion)


def _pop_origin(body: Mapping[str, Any], wrapper: Path, real_root: Path, *, keep: bool
                ) -> Origin | None:
    """Remove the origin annotation from ``body`` (in place, unless the user's build adds it
    too: ``keep``) and return it parsed."""
    meta = body.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or not isinstance(annotations, dict):
        return None
    text = annotations.get(ORIGIN) if keep else annotations.pop(ORIGIN, None)
    if not annotations:
        del meta["annotations"]
    try:
        origin = yaml.load(text, Loader=yaml.CSafeLoader) if isinstance(text, str) else None
    except yaml.YAMLError:
        return None
    if not isinstance(origin, dict):
        return None
    relative = origin.get("path") or origin.get("configuredIn")
    if not isinstance(relative, str):
        return None
    resolved = os.path.normpath(wrapper / relative)
    copies = f"{wrapper}/{COPIES}/"
    source = resolved.removeprefix(copies) if resolved.startswith(copies) \
        else repo_relative(real_root, Path(resolved))
    generator = origin.get("configuredBy", {}).get("kind", "") if "configuredIn" in origin else ""
    return Origin(path=source, generator=str(generator or ""))


def apply_order(tree: list[Kustomization]) -> list[Kustomization]:
    """The kustomizations of a tree, the one whose changes are applied last first."""
    by_dir = {k.directory: k for k in tree}
    order: list[Kustomization] = []
    pending = [tree[0].directory]
    while pending:
        current = by_dir.get(pending.pop(0))
        if current is not None and current not in order:
            order.append(current)
            pending.extend(reversed(current.roots))
    return order


def _blame(exc: CommandError, tree: list[Kustomization], places: tuple[Path, Path], root: Path,
           *, head: str) -> tuple[str, int]:
    """The repository file a kustomize error names (``head``, the target's kustomization,
    otherwise). ``places`` are the repository's real path and the wrapper's."""
    real_root, wrapper = places
    text = f"{exc}\n{exc.stderr}"
    named = re.findall(re.escape(str(real_root)) + r"/([\w./-]+)", text)
    named += re.findall(re.escape(f"{wrapper}/{COPIES}") + r"/([\w./-]+)", text)
    named += [f"{k.directory}/{ref}" for ref in re.findall(r"(?:File: |from ')([^'\s]+)", text)
              for k in tree]
    for name in reversed(named):
        candidate = os.path.normpath(name.rstrip(".:'\""))
        if (root / candidate).is_file() and inside_root(root, root / candidate):
            line = re.search(r"yaml: line (\d+)", text)
            return candidate, int(line.group(1)) if line else 0
    field = re.search(r"Go struct field Kustomization\.(\w+)", text)
    if field and tree:  # a field of the wrong type: its line in the target's kustomization
        source = SourceFiles(root).get(tree[0].path)
        if source is not None:
            return tree[0].path, source.locator.locate(0, (field.group(1),)).line
    return head, 0


#: The noise our wrapper kustomization adds in front of every error.
_WRAPPER_NOISE = re.compile(r"accumulating resources: accumulation err='accumulating resources "
                            r"from '[^']*': '[^']*' must resolve to a file': (?:recursed "
                            r"accumulation of path '[^']*': )?")


def _clean_message(exc: CommandError, real_root: Path, wrapper: Path) -> str:
    lines = [line.removeprefix("Error: ") for line in (exc.stderr or str(exc)).splitlines()
             if line.strip()]
    message = _WRAPPER_NOISE.sub("", lines[-1] if lines else str(exc))
    return message.replace(str(real_root) + "/", "").replace(str(wrapper), "<build>")


def _finding(path: str, line: int, rule: str, message: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.RENDER,
                   location=Location(path=path, line=line))


def _failed(target: Target, path: str, line: int, rule: str, message: str) -> RenderResult:
    _LOGGER.debug("Target %s not rendered: %s", target.name, message)
    return RenderResult(findings=(_finding(path, line, rule, message),), targets=1)
