"""``targets --changed-from REF``: plan both sides of a working tree's change and intersect.

The change is read the one way every command reads one: the revisions resolved by
:mod:`~validator.change.revisions` (the working tree as the head), the changed files by
:mod:`~validator.change.diff_files` (untracked, non-ignored files as added), the base's
files by :mod:`~validator.change.snapshot`, and the change mapped onto the validated
root by :mod:`~validator.change.rebase` (the root may be a sub-folder of the working
tree). Both sides are planned, each with its own configuration, and handed to
:func:`affected_targets` with the trusted paths the configurations name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from validator.agents.repo_urls import with_remote_urls
from validator.change.affected import AffectedPlan, affected_targets
from validator.change.diff_files import read_change
from validator.change.model import Change
from validator.change.rebase import rebase
from validator.change.revisions import resolve_revisions
from validator.change.snapshot import materialise
from validator.errors import UsageError
from validator.policy.library import is_builtin
from validator.render import discover_targets
from validator.render.paths import repo_relative
from validator.render.targets import TargetPlan
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
    revisions = resolve_revisions(root, base=ref, worktree=True)
    prefix = _prefix(root, revisions.repo)
    change = rebase(read_change(revisions), prefix)
    head_config = _config(root, all_kustomizations)
    head = discover_targets(root, [root], head_config)
    with materialise(revisions.repo, revisions.base) as tree:
        base_root = tree / prefix
        if base_root.is_dir():
            base_config = _config(base_root, all_kustomizations)  # no .git: the remotes passed
            base_config = replace(base_config, agents=with_remote_urls(base_config.agents, root))
            base = discover_targets(base_root, [base_root], base_config)
        else:  # the root folder is new: every target is new
            base_config, base = RepoConfig(), TargetPlan(targets=())
    trusted = trusted_paths(head_config, base_config)
    affected = affected_targets(change, base=base, head=head, trusted=trusted)
    selected = [repo_relative(root, path) for path in paths] or ["."]
    return ChangedFrom(change=change, affected=_under(affected, selected),
                       trusted=trusted)


def _prefix(root: Path, top: Path) -> str:
    """The validated root relative to the top of the git working tree (``""``: the top)."""
    real, real_top = root.resolve(), top.resolve()
    if not real.is_relative_to(real_top):
        raise UsageError(f"the root {root} is outside the git working tree {top}")
    relative = real.relative_to(real_top).as_posix()
    return "" if relative == "." else relative


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
