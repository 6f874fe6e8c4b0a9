"""Reading kustomization files: what they reference, their patches, and what is refused.

Used twice: target discovery needs every file and directory a kustomization
consumes (transitively, through :func:`read_tree`), and rendering needs the
patches to map a patched field back to the patch file. References that would
make ``kustomize build`` reach outside the checkout are refused here, with a
finding on the kustomization's line, before kustomize runs: remote URLs, paths
that leave the repository (directly or through a symlink), exec/KRM function
plugins and ``helmCharts`` (which would need ``--enable-helm``). A refused
``helmCharts`` chart is still among the files the kustomization reads (its chart
folder under ``helmGlobals.chartHome`` and its values files), so a change to the
chart reaches the kustomization's target.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from validator.load.files import special_file_kind
from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import Kustomization, PatchRef, find_kustomization_file
from validator.render.paths import inside_root, looks_remote, repo_relative
from validator.render.walk import walk

#: Fields whose entries are files or directories (kustomization roots).
_RESOURCE_FIELDS = ("resources", "bases", "components")
_FILE_FIELDS = ("crds", "configurations")
_PLUGIN_FIELDS = ("generators", "transformers", "validators")
_MAX_BYTES = 4 * 1024 * 1024


def read_tree(root: Path, directory: str,
              cache: dict[str, Kustomization | None] | None = None) -> Iterator[Kustomization]:
    """The kustomization in ``directory`` and, transitively, every one it builds on.

    ``cache`` (directory -> parsed kustomization) lets a caller walking many trees that
    share bases read each kustomization once.
    """
    cache = {} if cache is None else cache
    seen: set[str] = set()
    pending = [directory]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if current not in cache:
            cache[current] = read_kustomization(root, current)
        kustomization = cache[current]
        if kustomization is not None:
            yield kustomization
            pending.extend(kustomization.roots)


def read_kustomization(root: Path, directory: str) -> Kustomization | None:
    """Parse the kustomization in ``root/directory`` (None when there is none)."""
    file = find_kustomization_file(root / directory)
    if file is None:
        return None
    reader = _Reader(root, directory, repo_relative(root, file))
    try:
        if file.stat().st_size > _MAX_BYTES:
            reader.refuse("render/kustomization-invalid", "kustomization is larger than "
                          f"{_MAX_BYTES} bytes; not built", 0)
            return reader.result(is_component=False)
        text = file.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        reader.refuse("render/kustomization-invalid", f"cannot read kustomization: {exc}",
                      (mark.line + 1) if mark else 0)
        return reader.result(is_component=False)
    if data is None:  # an empty kustomization builds nothing, and that is fine
        return reader.result(is_component=False)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        reader.refuse("render/kustomization-invalid", "kustomization is not a mapping", 1)
        return reader.result(is_component=False)
    reader.read(data, node)
    return reader.result(is_component=data.get("kind") == "Component")


class _Reader:
    """Collects the references of one kustomization, refusing the unsafe ones."""

    def __init__(self, root: Path, directory: str, path: str) -> None:
        self.root, self.directory, self.path = root, directory, path
        self.roots: list[str] = []
        self.root_lines: list[int] = []
        self.resources: list[str] = []
        self.files: list[str] = []
        self.patches: list[PatchRef] = []
        self.findings: list[Finding] = []
        self.node: yaml.MappingNode | None = None
        self.namespace_line = 0
        self.images: list[tuple[str, int]] = []
        self.generators: list[tuple[str, int]] = []
        self.build_metadata: tuple[str, ...] = ()

    def line(self, *field_path: str | int) -> int:
        found = _node_at(self.node, field_path) if self.node else None
        return found.start_mark.line + 1 if found else 0

    def refuse(self, rule: str, message: str, line: int) -> None:
        self.findings.append(Finding(
            rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.RENDER,
            location=Location(path=self.path, line=line)))

    def read(self, data: dict[str, Any], node: yaml.MappingNode) -> None:
        self.node = node
        self.read_references(data)
        options = data.get("buildMetadata")
        self.build_metadata = tuple(o for o in options if isinstance(o, str)) \
            if isinstance(options, list) else ()
        self.read_patches(data)
        if isinstance(data.get("namespace"), str):
            self.namespace_line = self.line("namespace")
        for i, image in enumerate(_items(data.get("images"))):
            if isinstance(image, dict):
                self.images += [(image[key], self.line("images", i)) for key in ("name", "newName")
                                if isinstance(image.get(key), str)]

    def read_references(self, data: dict[str, Any]) -> None:
        for key in _RESOURCE_FIELDS:
            for i, entry in enumerate(_entries(data.get(key))):
                self.reference(entry, key, i, allow_dir=True)
        for key in _FILE_FIELDS:
            for i, entry in enumerate(_entries(data.get(key))):
                self.reference(entry, key, i, allow_dir=False)
        if isinstance(data.get("openapi"), dict) and "path" in data["openapi"]:
            self.reference(data["openapi"]["path"], "openapi", "path", allow_dir=False)
        for key in _PLUGIN_FIELDS:
            for i, entry in enumerate(_items(data.get(key))):
                self.plugin(entry, key, i)
        for key in ("configMapGenerator", "secretGenerator"):
            for i, generator in enumerate(_items(data.get(key))):
                self.generator_files(generator, key, i)
        for i, item in enumerate(_items(data.get("replacements"))):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                self.reference(item["path"], "replacements", i, "path", allow_dir=False)
        if data.get("helmCharts") or data.get("helmChartInflationGenerator"):
            self.refuse("render/kustomize-helm-refused", "helmCharts need `kustomize build "
                        "--enable-helm`, which is off for untrusted input; render the chart as "
                        "a Helm target instead", self.line("helmCharts"))
            self.helm_chart_files(data)

    def reference(self, entry: object, key: str, *where: str | int, allow_dir: bool) -> None:
        line = self.line(key, *where)
        if not isinstance(entry, str) or not entry:
            self.refuse("render/kustomization-invalid", f"{key} entry is not a path", line)
            return
        target = self.root / self.directory / entry
        if not target.exists() and looks_remote(entry):
            self.refuse("render/remote-resource", f"remote {key} entry {entry!r} refused: "
                        "rendering uses no network; vendor it into the repository", line)
        elif not inside_root(self.root, target):
            self.refuse("render/outside-repository", f"{key} entry {entry!r} leaves the "
                        "repository (directly or through a symlink); refused", line)
        elif not target.exists():
            self.refuse("render/missing-reference", f"{key} entry {entry!r} does not exist",
                        line)
        elif kind := special_file_kind(target):  # reading a pipe or a device could block
            self.refuse("render/kustomization-invalid", f"{key} entry {entry!r} is {kind}, "
                        "not a file or directory; refused", line)
        elif target.is_dir() and allow_dir:
            self.roots.append(repo_relative(self.root, target))
            self.root_lines.append(line)
        elif target.is_dir():
            self.refuse("render/kustomization-invalid", f"{key} entry {entry!r} is a directory",
                        line)
        else:
            self.files.append(repo_relative(self.root, target))
            if key in ("resources", "bases"):
                self.resources.append(self.files[-1])

    def helm_chart_files(self, data: dict[str, Any]) -> None:
        """The files of each ``helmCharts`` chart (kustomize's layout: ``chartHome/name``, or
        ``chartHome/name-version/name`` for a chart pulled from a repository) and its values."""
        globals_ = data.get("helmGlobals") if isinstance(data.get("helmGlobals"), dict) else {}
        home = (globals_ or {}).get("chartHome")
        home = home if isinstance(home, str) and home else "charts"
        for chart in _items(data.get("helmCharts")):
            if not isinstance(chart, dict) or not isinstance(chart.get("name"), str):
                continue
            folders = [f"{home}/{chart['name']}"]
            if isinstance(chart.get("version"), str | int | float):
                folders.append(f"{home}/{chart['name']}-{chart['version']}/{chart['name']}")
            values = [chart.get("valuesFile"), *_items(chart.get("additionalValuesFiles"))]
            for relative in folders + [v for v in values if isinstance(v, str) and v]:
                self.files.extend(self.files_under(self.root / self.directory / relative))

    def files_under(self, path: Path) -> list[str]:
        """``path`` (a file) or the files under it (a folder), if inside the repository."""
        if not inside_root(self.root, path) or special_file_kind(path):
            return []
        if path.is_file():
            return [repo_relative(self.root, path)]
        found = (Path(current) / name for current, _, names in walk(path) for name in names)
        return sorted(repo_relative(self.root, file) for file in found  # never a pipe or a way out
                      if inside_root(self.root, file) and not special_file_kind(file))

    def plugin(self, entry: object, key: str, i: int) -> None:
        configs: list[object] = []
        if isinstance(entry, str) and _is_inline(entry):  # the plugin's config, inline
            configs = _load_configs(entry)
            if not configs or not all(isinstance(c, dict) for c in configs):
                self.refuse("render/plugin-refused", f"{key} entry {i + 1} is an inline plugin "
                            "configuration that cannot be read as YAML mappings; refused",
                            self.line(key, i))
        elif isinstance(entry, str):
            self.reference(entry, key, i, allow_dir=True)
            entry_path = self.root / self.directory / entry
            if entry_path.is_file() and inside_root(self.root, entry_path):
                try:
                    configs = _load_configs(entry_path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    configs = []  # kustomize reports it itself
        else:
            configs = [entry]
        for config in configs:
            if isinstance(config, dict) and config.get("apiVersion") == "builtin":
                self.builtin_plugin_files(config, key, i)
            elif isinstance(config, dict):
                self.refuse("render/plugin-refused", f"{key} entry {i + 1} is a plugin or KRM "
                            f"function ({config.get('apiVersion')}/{config.get('kind')}); exec "
                            "and function plugins are off for untrusted input", self.line(key, i))

    def builtin_plugin_files(self, config: dict[str, Any], key: str, i: int) -> None:
        """The files a builtin generator or transformer config names (read, like the fields of
        the kustomization, relative to the kustomization's folder)."""
        entries: list[object] = []
        if config.get("kind") in ("ConfigMapGenerator", "SecretGenerator"):
            entries += [*_items(config.get("files")), *_items(config.get("envs")), config.get("env")]
            entries = [e.split("=", 1)[1] if isinstance(e, str) and "=" in e else e for e in entries]
        elif config.get("kind") in ("PatchTransformer", "PatchJson6902Transformer"):
            entries.append(config.get("path"))
        elif config.get("kind") == "PatchStrategicMergeTransformer":
            entries += _items(config.get("paths"))
        elif config.get("kind") == "ReplacementTransformer":
            entries += [r.get("path") for r in _items(config.get("replacements"))
                        if isinstance(r, dict)]
        for entry in entries:
            if entry is not None:
                self.reference(entry, key, i, allow_dir=False)

    def generator_files(self, generator: object, key: str, i: int) -> None:
        if not isinstance(generator, dict):
            return
        if isinstance(generator.get("name"), str):
            self.generators.append((generator["name"], self.line(key, i)))
        for field_name in ("files", "envs"):
            for j, entry in enumerate(_entries(generator.get(field_name))):
                source = entry.split("=", 1)[1] if "=" in entry else entry
                self.reference(source, key, i, field_name, j, allow_dir=False)
        if isinstance(generator.get("env"), str):
            self.reference(generator["env"], key, i, "env", allow_dir=False)

    def read_patches(self, data: dict[str, Any]) -> None:
        for key, json6902 in (("patchesStrategicMerge", False), ("patches", False),
                              ("patchesJson6902", True)):
            for i, raw in enumerate(_items(data.get(key))):
                entry = raw
                if isinstance(raw, str) and key == "patchesStrategicMerge":
                    entry = {"path": raw} if "\n" not in raw else {"patch": raw}
                    where: tuple[str | int, ...] = (key, i)
                else:
                    where = (key, i, "path")
                if isinstance(entry, dict):
                    self.patch(entry, key, i, where, json6902)

    def patch(self, entry: dict[str, Any], key: str, i: int, where: tuple[str | int, ...],
              json6902: bool) -> None:
        target = entry.get("target") if isinstance(entry.get("target"), dict) else {}
        selector = {k: str(v) for k, v in (target or {}).items() if isinstance(v, str)}
        if isinstance(entry.get("path"), str):
            before = len(self.files)
            self.reference(entry["path"], str(where[0]), *where[1:], allow_dir=False)
            if len(self.files) > before:
                source = self.files[-1]
                text = (self.root / source).read_text(encoding="utf-8", errors="replace")
                self.patches.append(PatchRef(source=source, text=text, line_offset=0,
                                             json6902=json6902 or _is_op_list(text),
                                             target=selector))
        elif isinstance(entry.get("patch"), str):
            node = _node_at(self.node, (key, i, "patch") if key != "patchesStrategicMerge"
                            else (key, i)) if self.node else None
            block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
            offset = node.start_mark.line + 1 if node is not None and block else 0
            text = entry["patch"]
            self.patches.append(PatchRef(source=self.path, text=text if block else "",
                                         line_offset=offset,
                                         json6902=json6902 or _is_op_list(text),
                                         target=selector))

    def result(self, *, is_component: bool) -> Kustomization:
        return Kustomization(path=self.path, directory=self.directory, is_component=is_component,
                             roots=tuple(self.roots), files=tuple(self.files),
                             patches=tuple(self.patches), findings=tuple(self.findings),
                             namespace_line=self.namespace_line, images=tuple(self.images),
                             generators=tuple(self.generators),
                             build_metadata=self.build_metadata,
                             root_lines=tuple(self.root_lines), resources=tuple(self.resources))


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _entries(value: object) -> list[str]:
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []


def _is_inline(entry: str) -> bool:
    """Whether a ``generators``/``transformers`` entry is a plugin config, not a path."""
    return "\n" in entry.strip() or entry.lstrip().startswith(("apiVersion:", "kind:"))


def _load_configs(text: str) -> list[object]:
    try:
        return list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return []  # kustomize reports the syntax error itself


def _is_op_list(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(("[", "- op:", "- {", "-  op:")) or stripped.startswith("- path:")


def _node_at(node: yaml.Node | None, path: tuple[str | int, ...]) -> yaml.Node | None:
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value
                         if isinstance(key, yaml.ScalarNode) and key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return None
    return node
