"""When the head's target plan can stand for the base's, and what the base then needs written.

Planning a side walks its whole tree, and most changes cannot change the plan: the plan
(:func:`validator.render.discover_targets`) depends on the tree's listing (paths, modes,
symlinks) and on the content of a few kinds of files only:

* kustomization files (what they build on and read), and the generator/transformer
  configuration files they name (a ``builtin`` one names more files);
* everything under a Helm chart's folder (``Chart.yaml``'s ``type: library``, templates
  using ``.Files``);
* manifests holding an Argo CD ``Application`` or a Flux ``Kustomization`` (the folders
  they deploy become targets), and those holding a ConfigMap or Secret (a Flux
  ``substituteFrom`` / ``valuesFrom`` copies its data into the plan: any file with the
  bytes :class:`~validator.agents.objects.ObjectIndex` looks for, ``kind: ConfigMap``);
* the configuration file, which comes from the trusted revision for both sides anyway.

So when base and head list the same paths with the same modes, and every file whose
content differs is a regular file on both sides that is none of the above on either side
(neither version names an agent's API group or the word ``builtin``, nor, when it holds a
backslash, is YAML whose ``apiVersion`` is one of those spelt with a double-quoted escape
such as ``"built\\x69n"``: planning's YAML loader reads that as ``builtin``), and that
holds for every path the file is also read by through symlinks (:func:`read_through_links`:
``apps/kustomization.yaml`` linked to ``shared/apps.yaml`` makes the latter a kustomization;
links through links more than a few deep, a cycle, refuse the reuse), the two plans are
equal and the head's is used for the base (:func:`same_plan`; a test compares both ways
on generated changes). A patch file's text is read by planning but only kept for
rendering's source maps, never in the plan.

The base is then written lazily (:func:`base_files`): only the files that no target
reads (configuration, policies, schemas, data, READMEs) and those of the targets the
change affects on the base side; the files only unaffected targets read stay unwritten.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from validator.agents.objects import AGENT_MARKERS, INDEX_MARKERS
from validator.change.snapshot import TreeEntry, list_tree, read_blobs
from validator.render.kustomization import KUSTOMIZATION_FILES
from validator.render.targets import TargetPlan

_REGULAR = frozenset({"100644", "100755"})
_MODE_LINK = "120000"
#: Links followed through links at most this deep when a changed file is looked for behind them.
_MAX_LINK_HOPS = 8
#: Most (changed path, link) pairs looked at per hop (the reuse saves seconds, not minutes).
_MAX_LINK_PAIRS = 1_000_000
#: Words whose presence in a changed file's content may change the plan.
_PLAN_WORDS = (*AGENT_MARKERS, *INDEX_MARKERS, b"builtin")
#: The same as ``apiVersion`` values (a loader's view of the words).
_PLAN_VALUES = tuple(word.decode() for word in _PLAN_WORDS)
#: Largest changed file parsed for an escaped ``apiVersion`` (bytes).
_MAX_PARSED = 1024 * 1024


#: A base's listing (in git's order) and a head's (by path).
Listings = tuple[list[TreeEntry], dict[str, TreeEntry]]


def same_plan_listings(repo: Path, base: str, head: str) -> Listings | None:
    """The listings of commits ``base`` and ``head`` when the head's plan is the base's too
    (:func:`content_changes`, then :func:`same_plan` on both versions of each changed file);
    None when the base must be planned on its own."""
    base_list, head_list = list_tree(repo, base), list_tree(repo, head)
    base_entries, head_entries = {e.path: e for e in base_list}, {e.path: e for e in head_list}
    changed = content_changes(base_entries, head_entries)
    if changed is None:
        return None
    blobs = [entries[path].blob for path in changed for entries in (base_entries, head_entries)]
    links = [e for e in head_list if e.mode == _MODE_LINK]
    read = read_blobs(repo, blobs + [e.blob for e in links]) if changed else {}
    contents = {oid: read[oid] for oid in blobs}
    targets = {e.path: os.fsdecode(read[e.blob]) for e in links} if changed else {}
    names = read_through_links(changed, targets)
    if names is None or not same_plan(head_entries, names, contents):
        return None
    return base_list, head_entries


def read_through_links(paths: Iterable[str], links: Mapping[str, str]) -> list[str] | None:
    """``paths`` and every path they are read by through the symlinks ``links`` (path ->
    target as committed; the listing's, the same on both sides): ``a/kustomization.yaml``
    linked to ``shared/a.yaml`` makes a change to the latter a change to a kustomization.
    Links leaving the repository are left out (rendering refuses them); None when links
    lead through links more than :data:`_MAX_LINK_HOPS` deep (a cycle), or when there are
    too many pairs to look at: the base is then planned on its own."""
    resolved = {}
    for link, raw in links.items():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(link), raw))
        if not raw.startswith("/") and target != ".." and not target.startswith("../"):
            resolved[link] = target
    names = list(dict.fromkeys(paths))
    seen, fresh = set(names), names
    for _ in range(_MAX_LINK_HOPS):
        if len(fresh) * len(resolved) > _MAX_LINK_PAIRS:  # thousands of both: plan the base
            return None
        more = [alias for path in fresh for link, target in resolved.items()
                if (alias := _alias(path, link, target)) is not None]
        fresh = [name for name in dict.fromkeys(more) if name not in seen]
        if not fresh:
            return names
        names += fresh
        seen.update(fresh)
    return None


def _alias(path: str, link: str, target: str) -> str | None:
    """``path`` as read through ``link`` (which leads to ``target``), or None."""
    if target == ".":
        return f"{link}/{path}"
    if path == target:
        return link
    return link + path[len(target):] if path.startswith(f"{target}/") else None


def content_changes(base: Mapping[str, TreeEntry], head: Mapping[str, TreeEntry]) -> list[str] | None:
    """The paths whose content differs, when base and head list the same paths with the same
    modes, all of them regular files; else None (the listing itself changed)."""
    if base.keys() != head.keys():
        return None
    changed = [path for path, entry in head.items() if base[path].blob != entry.blob
               or base[path].mode != entry.mode]
    if any(base[p].mode != head[p].mode or head[p].mode not in _REGULAR for p in changed):
        return None
    return changed


def same_plan(head: Mapping[str, TreeEntry], changed: Iterable[str],
              contents: Mapping[str, bytes]) -> bool:
    """Whether the plan of the base equals the head's, given the paths whose content differs
    (see :func:`content_changes`) and ``contents`` (object id -> bytes) of both versions of
    each (see the module docstring)."""
    charts = {posixpath.dirname(p) for p in head if posixpath.basename(p) == "Chart.yaml"}
    for path in changed:
        if posixpath.basename(path) in (*KUSTOMIZATION_FILES, "Chart.yaml"):
            return False
        if _under_chart(path, charts):
            return False
    return not any(_may_change_plan(data) for data in contents.values())


def _may_change_plan(data: bytes) -> bool:
    """Whether a changed file's content may be read by planning: it holds a plan word, or it
    is YAML whose ``apiVersion`` is one spelt without those bytes (a double-quoted escape,
    ``"built\\x69n"``, which planning's YAML loader reads as ``builtin``). Too large to parse
    here: assumed to."""
    if any(word in data for word in _PLAN_WORDS):
        return True
    if b"\\" not in data:  # no escape: the bytes searched above are what a loader reads
        return False
    if len(data) > _MAX_PARSED:
        return True
    try:
        documents = list(yaml.load_all(data.decode("utf-8"), Loader=yaml.CSafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError, ValueError, RecursionError):
        return False  # planning cannot read it either (it reads with the same loader)
    return any(isinstance(d, dict) and str(d.get("apiVersion", "")).startswith(_PLAN_VALUES)
               for d in documents)


def _under_chart(path: str, charts: set[str]) -> bool:
    folder = posixpath.dirname(path)
    while True:
        if folder in charts:
            return True
        if not folder:
            return False
        folder = posixpath.dirname(folder)


def unneeded(plan: TargetPlan, affected: Iterable[str], keep: Iterable[str]) -> set[str]:
    """The paths only targets outside ``affected`` (names) read, none at or under ``keep``
    (trusted folders): a side that renders only ``affected`` never reads them."""
    wanted = set(affected)
    needed = {path for t in plan.targets if t.name in wanted for path in t.inputs}
    prefixes = tuple(k.rstrip("/") + "/" for k in keep)
    kept = set(keep)
    return {path for t in plan.targets if t.name not in wanted for path in t.inputs
            if path not in needed and path not in kept and not path.startswith(prefixes)}


def base_files(listing: Iterable[str], plan: TargetPlan, affected: Iterable[str],
               keep: Iterable[str]) -> list[str]:
    """The base's paths to write: all but those only targets outside ``affected`` (names)
    read; paths at or under ``keep`` (trusted folders) are always written."""
    skipped = unneeded(plan, affected, keep)
    return [p for p in listing if p not in skipped]
