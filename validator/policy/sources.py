"""Finding the policy files and loading the data files of a run, the way conftest does.

Policies: every ``*.rego`` file under the policy paths, ``*_test.rego`` skipped (unit
tests are run by ``gitops-validator policy test``, not evaluated against manifests).
Data: every ``.json``/``.yaml``/``.yml`` file under the data paths, placed as OPA's
loader (and so conftest's ``--data``) places it: a file given directly is merged at
``data``; a file found inside a directory is merged at ``data.<its subdirectory path>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from validator.errors import PolicyError

DATA_SUFFIXES = (".json", ".yaml", ".yml")


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def policy_files(paths: Iterable[Path], *, root: Path) -> dict[str, Path]:
    """``{display path: file}`` of the policy modules, sorted; repo-relative where possible."""
    found: dict[str, Path] = {}
    for base in paths:
        if base.is_file():
            candidates = [base]
        elif base.is_dir():
            candidates = sorted(p for p in base.rglob("*.rego") if p.is_file())
        else:
            raise PolicyError(f"policy path {base} does not exist")
        for file in candidates:
            if not file.name.endswith("_test.rego"):
                found[_display(file, root)] = file
    if not found:
        shown = ", ".join(str(p) for p in paths) or "(none given)"
        raise PolicyError(f"no policies (*.rego files) found in {shown}")
    return dict(sorted(found.items()))


class _DataLoader(yaml.CSafeLoader):
    """Safe YAML without timestamps: dates stay strings, as OPA's loader reads them."""


_DataLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def _read_data_file(file: Path) -> Any:
    try:
        text = file.read_text("utf-8")
        value = json.loads(text) if file.suffix == ".json" else yaml.load(text, _DataLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read data file {file}: {exc}") from exc
    # Round-trip through JSON so that everything sent to OPA is plain JSON.
    return json.loads(json.dumps(value, default=str))


def _merge(target: dict[str, Any], prefix: tuple[str, ...], value: Any, file: Path) -> None:
    node = target
    for key in prefix:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise PolicyError(f"data file {file} conflicts with other data at {'.'.join(prefix)}")
    if not isinstance(value, dict):
        if prefix or value is not None:
            raise PolicyError(f"data file {file} must contain a mapping, not {type(value).__name__}")
        return
    for key, item in value.items():
        if isinstance(node.get(key), dict) and isinstance(item, dict):
            _merge(node, (key,), item, file)
        elif key in node:
            raise PolicyError(f"data file {file} conflicts with other data at "
                              f"{'.'.join((*prefix, str(key)))}")
        else:
            node[key] = item


def load_data(paths: Iterable[Path]) -> dict[str, Any]:
    """All data files of ``paths`` merged into one document, keyed as under ``data.``."""
    merged: dict[str, Any] = {}
    for base in paths:
        if base.is_file():
            _merge(merged, (), _read_data_file(base), base)
        elif base.is_dir():
            for file in sorted(base.rglob("*")):
                if file.is_file() and file.suffix in DATA_SUFFIXES:
                    prefix = file.parent.relative_to(base).parts
                    _merge(merged, prefix, _read_data_file(file), file)
        else:
            raise PolicyError(f"data path {base} does not exist")
    return merged
