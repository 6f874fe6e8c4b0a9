"""``targets --changed-from REF``: plan both sides of a working tree's change and intersect.

Plans the base revision (its files written to a temporary folder) and the working tree,
each with its own configuration, and hands both to :func:`affected_targets` with the
trusted paths the configurations name. The ``diff`` command will do the same with its
own revisions and the trusted root of the options object.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from validator.change.affected import AffectedPlan, affected_targets
from validator.change.changed_from import base_tree, changed_files
from validator.change.model import Change
from validator.policy.library import is_builtin
from validator.render import discover_targets
from validator.render.paths import repo_relative
from validator.repo_config import CONFIG_FILE, RepoConfig, load_repo_config

#: Trusted folders by convention, whatever the configuration says.
DEFAULT_TRUSTED = (CONFIG_FILE, "policies", "schemas")


@dataclass(frozen=True, kw_only=True)
class ChangedFrom:
    """A working tree's change since a ref and what it affects."""

    change: Change
    """The changed files."""
    affected: AffectedPlan
    """The affected targets (those under the selected paths or reading a file under them)."""
    trusted: tuple[str, ...]
    """The trusted paths whose change means a full check."""


def trusted_paths(*configs: RepoConfig) -> tuple[str, ...]:
    """The configuration file, policy folders and schema folders the configurations name
    (repository-relative), with the conventional ``policies`` and ``schemas`` folders."""
    found = list(DEFAULT_TRUSTED)
    for config in configs:
        for value in (*(config.settings.policies or ()), *(config.settings.schema_dirs or ())):
            if not is_builtin(value) and not posixpath.isabs(value):
                found.append(posixpath.normpath(value))
    return tuple(dict.fromkeys(found))


def affected_since(root: Path, ref: str, paths: Sequence[Path] = (), *,
                   all_kustomizations: bool = False) -> ChangedFrom:
    """What the working tree under ``root`` changes since ``ref``, and the targets it affects."""
    root = root.absolute()
    change = changed_files(root, ref)
    head_config = _config(root, all_kustomizations)
    head = discover_targets(root, [root], head_config)
    with base_tree(root, change.base) as base_root:
        base_config = _config(base_root, all_kustomizations)
        base = discover_targets(base_root, [base_root], base_config)
    trusted = trusted_paths(head_config, base_config)
    affected = affected_targets(change, base=base, head=head, trusted=trusted)
    selected = [repo_relative(root, path) for path in paths] or ["."]
    return ChangedFrom(change=change, affected=_under(affected, selected),
                       trusted=trusted)


def _config(root: Path, all_kustomizations: bool) -> RepoConfig:
    config = load_repo_config(root)
    return replace(config, all_kustomizations=True) if all_kustomizations else config


def _under(plan: AffectedPlan, selected: list[str]) -> AffectedPlan:
    """``plan`` keeping the targets under ``selected`` or reading a file under it."""
    if "." in selected:
        return plan
    kept = tuple(a for a in plan.targets if _selected(a.target.path, selected)
                 or any(_selected(i, selected) for i in a.target.inputs))
    return replace(plan, targets=kept)


def _selected(path: str, selected: list[str]) -> bool:
    return any(s == path or path.startswith(s.rstrip("/") + "/") for s in selected)
