"""Affected targets: which targets a change reaches, on which side, and through which file.

Pure: it takes the change, the target plan of the base revision, the plan of the head
revision and the trusted paths, and reads nothing. The dependency graph is each
target's ``inputs`` (every file it reads, transitively: a kustomization's bases,
components, patches and generator files, a chart's folder and its values files; see
:mod:`validator.render.discover`), on both sides:

* a changed file affects every target that reads it on the head side (added, modified,
  renamed to) or on the base side (deleted, renamed from, no longer read);
* a new YAML file no target reads is a new plain target of the head plan, so it is
  reached as the file it reads itself;
* a target of one side only (a new or deleted overlay) is always affected: it exists on
  that side only, and its findings are all new or all fixed;
* a change to a trusted path (the configuration, policies, data, schemas) affects every
  target of both sides: a full check.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from validator.change.model import Change, ChangeStatus, FileChange
from validator.model import natural_path_key
from validator.render.targets import Target, TargetPlan


class Side(enum.StrEnum):
    """Where an affected target exists."""

    BOTH = "both"
    """On the base and the head: rendered twice and compared."""
    HEAD = "head"
    """On the head only (a new target): everything it reports is new."""
    BASE = "base"
    """On the base only (a deleted target): everything it reported is fixed."""


@dataclass(frozen=True, kw_only=True, order=True)
class Cause:
    """One changed file that made a target affected, and how."""

    path: str
    """The changed file (head-side path; the base-side path for a deletion); empty when the
    target is affected by no single file (it exists on one side only)."""
    why: str
    """In words: ``reads apps/base/deploy.yaml``, ``new file``, ``trusted path changed...``."""


@dataclass(frozen=True, kw_only=True)
class AffectedTarget:
    """One target to render (on ``side``) because of ``causes``."""

    target: Target
    """The head side's target (the base side's for a deleted target)."""
    side: Side
    """Where it exists."""
    causes: tuple[Cause, ...]
    """Why it is affected, sorted by changed path; never empty."""


@dataclass(frozen=True, kw_only=True)
class AffectedPlan:
    """What a change affects."""

    targets: tuple[AffectedTarget, ...]
    """The affected targets, sorted by path, then name."""
    full: bool
    """A trusted path changed: every target of both sides is affected."""
    trusted_changes: tuple[str, ...] = ()
    """The changed paths under a trusted path."""
    unread: tuple[str, ...] = ()
    """Changed paths no target reads on either side (a README): nothing to render for them."""


def affected_targets(change: Change, *, base: TargetPlan, head: TargetPlan,
                     trusted: Sequence[str]) -> AffectedPlan:
    """The targets of ``base`` and ``head`` that ``change`` affects.

    ``trusted`` lists repository-relative files or folders (``.gitops-validator.yaml``,
    ``policies``...) whose change affects every target.
    """
    head_targets = {t.name: t for t in head.targets}
    base_targets = {t.name: t for t in base.targets}
    trusted_changes = tuple(sorted(p for p in change.paths if _under_any(p, trusted)))
    causes: dict[str, set[Cause]] = {}
    readers = _readers(head.targets), _readers(base.targets)
    read: set[str] = set()
    for file in change.files:
        for name, cause in _file_causes(file, *readers):
            causes.setdefault(name, set()).add(cause)
            read.add(cause.path)
    if trusted_changes:
        for name in head_targets.keys() | base_targets.keys():
            causes.setdefault(name, set()).update(
                Cause(path=p, why=f"{p} is trusted (configuration, policies, data, schemas): "
                                  "every target is checked") for p in trusted_changes)
    for name in head_targets.keys() ^ base_targets.keys():  # exists on one side only
        if not causes.get(name):
            where = "head" if name in head_targets else "base"
            reason = (head_targets.get(name) or base_targets[name]).reason
            causes[name] = {Cause(path="", why=f"a target on the {where} side only ({reason})")}
    affected = [_affected(name, head_targets, base_targets, found)
                for name, found in causes.items()]
    affected.sort(key=lambda a: (natural_path_key(a.target.path), a.target.name))
    unread = sorted(p for p in _changed_paths(change) if p not in read and p not in trusted_changes)
    return AffectedPlan(targets=tuple(affected), full=bool(trusted_changes),
                        trusted_changes=trusted_changes,
                        unread=tuple(sorted(unread, key=natural_path_key)))


def _affected(name: str, head: dict[str, Target], base: dict[str, Target],
              causes: set[Cause]) -> AffectedTarget:
    side = Side.BOTH if name in head and name in base else Side.HEAD if name in head else Side.BASE
    return AffectedTarget(target=head.get(name) or base[name], side=side,
                          causes=tuple(sorted(causes)))


def _readers(targets: Iterable[Target]) -> dict[str, list[str]]:
    """Input file -> names of the targets that read it."""
    readers: dict[str, list[str]] = {}
    for target in targets:
        for path in target.inputs:
            readers.setdefault(path, []).append(target.name)
    return readers


def _file_causes(file: FileChange, head: dict[str, list[str]], base: dict[str, list[str]]
                 ) -> Iterable[tuple[str, Cause]]:
    """(target name, cause) for every target that reads ``file`` on the head or base side."""
    head_path = "" if file.status is ChangeStatus.DELETED else file.path
    base_path = {ChangeStatus.ADDED: "", ChangeStatus.COPIED: ""}.get(  # a copy's source is as it was
        file.status, file.old_path or file.path)
    head_readers = head.get(head_path, []) if head_path else []
    for name in head_readers:
        yield name, Cause(path=file.path, why=_head_why(file, name))
    for name in base.get(base_path, []) if base_path else []:
        if name not in head_readers:  # reads it on both sides: the head's words say it
            yield name, Cause(path=file.path, why=_base_why(file))


def _head_why(file: FileChange, reader: str) -> str:
    if file.status is ChangeStatus.ADDED:
        return "new file" if reader == file.path else f"reads {file.path} (new file)"
    if file.old_path:
        return f"reads {file.path} ({file.status.value} from {file.old_path})"
    return f"reads {file.path}"


def _base_why(file: FileChange) -> str:
    if file.status is ChangeStatus.DELETED:
        return f"read {file.path} (deleted)"
    if file.old_path:
        return f"read {file.old_path} ({file.status.value} to {file.path})"
    return f"read {file.path} on the base side"


def _changed_paths(change: Change) -> list[str]:
    return [f.path for f in change.files]


def _under_any(path: str, folders: Sequence[str]) -> bool:
    return any(f in (".", "", path) or path.startswith(f.rstrip("/") + "/") for f in folders)
