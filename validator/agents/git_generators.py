"""The ApplicationSet ``git`` generator over the checked repository: directories and files.

Argo CD's repo server lists the repository at ``revision``; here the checkout is the
repository, so a ``repoURL`` that is not one of its own URLs is not rendered. The
``revision`` is not compared (the checkout is what the change proposes).

- ``directories``: every folder of the checkout (hidden ones skipped, as Argo CD does by
  default) that matches a ``path`` pattern (Go's ``path.Match``: ``*`` stays within one
  folder) and no ``exclude: true`` pattern; excludes win whatever the order.
- ``files``: files matching a ``path`` as ``git ls-files -- <path>`` matches (Argo CD's
  default globbing: ``*`` also crosses ``/``, a folder matches what is under it), minus
  ``exclude: true`` ones, in path order; a file holding a mapping gives one parameter
  set, a list one set per item.

Parameters are Argo CD's: ``path``, ``path.basename``, ``path.basenameNormalized``,
``path[N]`` (+ ``path.filename``, ``path.filenameNormalized`` and the file's flattened
keys for files) with fasttemplate; ``.path.path``, ``.path.basename``,
``.path.segments``... with Go templates; ``pathParamPrefix`` puts them under a prefix.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from validator.agents.generators import (
    GeneratorContext,
    GeneratorError,
    NotRendered,
    Params,
    add_values,
    bound,
    flatten,
)
from validator.agents.gofuncs import sanitize_name
from validator.agents.govalues import go_json
from validator.agents.repo_urls import normalise
from validator.model import FieldPath
from validator.render.walk import walk

_MAX_FILE_BYTES = 1024 * 1024
_MAX_NODES = 100_000


def git_params(spec: Mapping[str, Any], context: GeneratorContext, where: FieldPath) -> list[Params]:
    """The parameter sets of a ``git`` generator (directories or files)."""
    url = spec.get("repoURL")
    if not isinstance(url, str) or not url:
        raise GeneratorError(where, "a git generator needs a repoURL")
    if normalise(url) not in context.repository_urls:
        raise NotRendered((*where, "repoURL"), "not rendered: another repository",
                          f"git generator repoURL {url} is not this repository")
    prefix = spec.get("pathParamPrefix") or ""
    if not isinstance(prefix, str):
        raise GeneratorError((*where, "pathParamPrefix"), "pathParamPrefix must be a string")
    if spec.get("directories"):
        patterns = _patterns(spec["directories"], (*where, "directories"))
        for index, (pattern, _exclude) in enumerate(patterns):
            if _go_glob(pattern) is None:
                raise GeneratorError((*where, "directories", index, "path"),
                                     f"path pattern {pattern!r} is malformed (Argo CD matches "
                                     "nothing with it)")
        folders = _chosen(patterns, _listed(context, patterns, folders=True), _path_match)
        bound(folders, (*where, "directories"))
        sets = [_path_params(folder, prefix, context, file_name="") for folder in folders]
    elif spec.get("files"):
        patterns = _patterns(spec["files"], (*where, "files"))
        files = _chosen(patterns, _listed(context, patterns, folders=False), _pathspec_match)
        sets = []
        for file in files:
            context.files_read.append(file)
            for content in _contents(context.root, file, (*where, "files")):
                sets.append(_file_params(content, file, prefix, context))
                bound(sets, (*where, "files"))
    else:
        raise GeneratorError(where, "a git generator needs directories or files")
    return [add_values(s, spec.get("values"), context.mode, (*where, "values")) for s in sets]


def _patterns(entries: Any, where: FieldPath) -> list[tuple[str, bool]]:
    if not isinstance(entries, list):
        raise GeneratorError(where, "must be a list of {path, exclude}")
    patterns = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            raise GeneratorError((*where, index), "each entry needs a path")
        patterns.append((entry["path"], bool(entry.get("exclude"))))
    return patterns


def _chosen(patterns: list[tuple[str, bool]], paths: list[str], match: Any) -> list[str]:
    chosen = []
    for path in paths:
        hits = [exclude for pattern, exclude in patterns if match(pattern, path)]
        if False in hits and True not in hits:
            chosen.append(path)
    return chosen


def _go_glob(pattern: str) -> re.Pattern[str] | None:
    """Go's ``path.Match`` pattern as a regular expression (None: a malformed pattern)."""
    out, pos = [], 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and pos + 1 < len(pattern):
            pos += 1
            out.append(re.escape(pattern[pos]))
        elif char == "[":
            end = pattern.find("]", pos + 2)
            if end < 0:
                return None
            body = pattern[pos + 1:end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out.append("(?!/)[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            pos = end
        else:
            out.append(re.escape(char))
        pos += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error:
        return None


def _path_match(pattern: str, path: str) -> bool:
    compiled = _go_glob(pattern)
    return compiled is not None and compiled.match(path) is not None


def _pathspec_match(pattern: str, path: str) -> bool:
    """``git ls-files -- pattern`` (a pathspec without magic): wildmatch without
    ``WM_PATHNAME``, or a leading folder."""
    clean = pattern.strip("/") if pattern not in ("", ".", "./") else ""
    if not clean or path == clean or path.startswith(clean + "/"):
        return True
    return any(c in clean for c in "*?[") and fnmatch.fnmatchcase(path, clean)


def _ordered(paths: list[str]) -> list[str]:
    """In ``filepath.WalkDir`` order (a folder, then what is under it, names sorted)."""
    return sorted(paths, key=lambda p: p.split("/"))


def _listed(context: GeneratorContext, patterns: list[tuple[str, bool]], *, folders: bool) -> list[str]:
    includes = sorted({p for p, exclude in patterns if not exclude})
    key = ("folders" if folders else "files") + "\0" + "\0".join(includes)
    if key not in context.listings:
        context.listings[key] = candidates(context.root, includes, folders=folders)
    return context.listings[key]


def candidates(root: Path, patterns: list[str], *, folders: bool) -> list[str]:
    """The folders (hidden ones skipped, as Argo CD) or files (all but ``.git``) at or under
    each pattern's literal leading folders, in walk order: nothing else can match. A
    symlink on the way is not followed (Argo CD lists the repository without following)."""
    found: set[str] = set()
    for start in sorted({_literal_prefix(p) for p in patterns}):
        if folders and any(part.startswith(".") for part in start.split("/") if part):
            continue
        top = root.joinpath(*start.split("/")) if start else root
        if not _real_folder(root, top):
            if not folders and start and _real_folder(root, top.parent) and top.is_file():
                found.add(start)  # a pathspec naming one file
            continue
        for current, dirs, names in walk(top):
            dirs[:] = [d for d in dirs if not (d.startswith(".") if folders else d == ".git")]
            relative = Path(current).relative_to(root).as_posix()
            if folders:
                found.add(relative)
            else:
                found.update(n if relative == "." else f"{relative}/{n}" for n in names)
    found.discard(".")
    return _ordered(list(found))


def _literal_prefix(pattern: str) -> str:
    """The leading folders of ``pattern`` without a glob character (``apps`` of ``apps/*``)."""
    parts = []
    for part in pattern.strip("/").split("/"):
        if part in ("", ".") or any(c in part for c in "*?[\\"):
            break
        parts.append(part)
    return "/".join(parts)


def _real_folder(root: Path, top: Path) -> bool:
    """``top`` is a folder reached from ``root`` through no symlink."""
    current = root
    for part in top.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return False
    return top.is_dir()


def _contents(root: Path, file: str, where: FieldPath) -> list[Mapping[str, Any]]:
    """The parameter objects of ``file``: a mapping, or each item of a list."""
    path = root / file
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            raise GeneratorError(where, f"{file} is a symlink leaving the repository; not read")
        if not path.is_file():
            raise GeneratorError(where, f"{file} is not a regular file; not read")
        with path.open("rb") as handle:
            data = handle.read(_MAX_FILE_BYTES + 1)
    except OSError as err:
        raise GeneratorError(where, f"cannot read {file}: {err.strerror}") from err
    if len(data) > _MAX_FILE_BYTES:
        raise GeneratorError(where, f"{file} is larger than {_MAX_FILE_BYTES} bytes; not read")
    try:
        loaded = yaml.load(data.decode("utf-8"), Loader=yaml.CSafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as err:
        raise GeneratorError(where, f"unable to process file '{file}': {err}") from err
    items = [loaded] if isinstance(loaded, Mapping) else loaded if isinstance(loaded, list) \
        else [{}] if loaded is None else None
    if items is None or not all(isinstance(i, Mapping) for i in items):
        raise GeneratorError(where, f"unable to process file '{file}': not a mapping or a list "
                                    "of mappings")
    if _size(items) > _MAX_NODES:
        raise GeneratorError(where, f"{file} expands to more than {_MAX_NODES} values; not read")
    return items


def _size(value: Any) -> int:
    """Nodes of ``value`` counted with aliases expanded (stops early past the bound)."""
    count, stack = 0, [value]
    while stack and count <= _MAX_NODES:
        item = stack.pop()
        count += 1
        if isinstance(item, Mapping):
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return count


def _path_params(folder: str, prefix: str, context: GeneratorContext, *, file_name: str) -> Params:
    base = posixpath.basename(folder)
    if context.mode.go:
        info: Params = {"path": folder, "basename": base,
                        "basenameNormalized": sanitize_name(base), "segments": folder.split("/")}
        if file_name:
            info |= {"filename": file_name, "filenameNormalized": sanitize_name(file_name)}
        return {prefix: {"path": info}} if prefix else {"path": info}
    name = f"{prefix}.path" if prefix else "path"
    params: Params = {name: folder, f"{name}.basename": base,
                      f"{name}.basenameNormalized": sanitize_name(base)}
    if file_name:
        params |= {f"{name}.filename": file_name,
                   f"{name}.filenameNormalized": sanitize_name(file_name)}
    params |= {f"{name}[{i}]": part for i, part in enumerate(folder.split("/")) if part}
    return params


def _file_params(content: Mapping[str, Any], file: str, prefix: str,
                 context: GeneratorContext) -> Params:
    own = go_json(content)
    if not context.mode.go:
        own = flatten(own)
    path = _path_params(posixpath.dirname(file) or ".", prefix, context,
                        file_name=posixpath.basename(file))
    return {**own, **path}
