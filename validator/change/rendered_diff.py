"""The rendered diff: what a change does to each rendered object, as unified diffs of its YAML.

Pure functions from the base's and the head's :class:`~validator.load.Document` lists to
a :class:`RenderedDiff`. Objects are paired by render target and identity (apiVersion,
kind, namespace, name); when one target renders the same identity more than once the
occurrences are paired in order. Each body is written as YAML with sorted keys after
removing the annotations that only map an object to its sources (kustomize's origin
and transformation annotations; Helm adds none, its ``# Source:`` comments are not part
of the body). ``Secret`` ``data``/``stringData`` values (and a Secret's
``last-applied-configuration``) are redacted: a diff shows that a value was added,
removed or changed, never the value. Added and deleted objects are shown whole.

Every object's diff is capped (lines, bytes, line length) and so is the whole diff;
what is cut is said in a notice, never dropped silently. Output is deterministic:
objects sorted by target, namespace, kind, name, apiVersion.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from validator.load import Document
from validator.model import ResourceRef

#: Annotations that map an object to its sources: never applied by an agent, never diffed.
MAPPING_ANNOTATIONS = frozenset({
    "config.kubernetes.io/origin", "alpha.config.kubernetes.io/transformations",
    "config.k8s.io/id", "kustomize.config.k8s.io/id",
})
_MAPPING_PREFIXES = ("internal.config.kubernetes.io/",)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SECRET_FIELDS = ("data", "stringData")

#: Control characters and bidirectional controls: never printed as they are.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

REDACTED = "<redacted>"
REDACTED_BASE = "<redacted: base value>"
REDACTED_HEAD = "<redacted: head value>"


class ObjectChange(enum.StrEnum):
    """What happened to one object between base and head."""

    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"


@dataclass(frozen=True, kw_only=True)
class DiffLimits:
    """Caps that keep a rendered diff readable and bounded whatever a change renders."""

    object_lines: int = 200
    """Most diff lines shown for one object."""
    object_bytes: int = 16_000
    """Most UTF-8 bytes shown for one object."""
    line_chars: int = 500
    """Longest diff line shown; longer ones are cut with an ellipsis."""
    input_lines: int = 50_000
    """Objects whose YAML has more lines (base and head together) are not diffed line by
    line (that costs time growing faster than the size); their diff says so."""
    total_bytes: int = 60_000
    """Most UTF-8 bytes of all objects' diffs together; objects beyond it are counted only."""


@dataclass(frozen=True, kw_only=True)
class ObjectDiff:
    """The diff of one object."""

    resource: ResourceRef
    """The object's identity (head side; base side when deleted)."""
    target: str
    """The render target that produced it (empty for plain files)."""
    path: str
    """The source file of the object (head side; base side when deleted)."""
    change: ObjectChange
    """Added, deleted or modified."""
    lines: tuple[str, ...]
    """The unified diff lines (``---``/``+++`` header, hunks), possibly cut; no newlines."""
    truncated: int = 0
    """How many diff lines were cut by the per-object limits (0: complete)."""

    @property
    def title(self) -> str:
        """``modified Deployment prod/web (overlays/prod)``, control characters escaped."""
        where = f" ({self.target})" if self.target else ""
        return _visible(f"{self.change.value} {self.resource}{where}")

    @property
    def text(self) -> str:
        """The diff lines, then a truncation notice when lines were cut."""
        notice = ([f"... {self.truncated} more diff lines of this object not shown"]
                  if self.truncated else [])
        return "\n".join((*self.lines, *notice)) + "\n"


@dataclass(frozen=True, kw_only=True)
class RenderedDiff:
    """Every changed object's diff, sorted, within the limits."""

    objects: tuple[ObjectDiff, ...] = ()
    """The diffs shown."""
    omitted: tuple[ObjectDiff, ...] = ()
    """Changed objects whose diff did not fit in ``DiffLimits.total_bytes`` (no lines)."""
    unchanged: int = 0
    """Objects rendered identically on both sides."""

    @property
    def changed(self) -> int:
        """How many objects changed (shown and omitted)."""
        return len(self.objects) + len(self.omitted)

    def counts(self) -> dict[ObjectChange, int]:
        """Changed objects per kind of change (every kind present, zero included)."""
        counts = dict.fromkeys(ObjectChange, 0)
        for item in (*self.objects, *self.omitted):
            counts[item.change] += 1
        return counts

    def text(self) -> str:
        """The whole diff as text: each object's title and diff, then what was omitted."""
        parts = [f"# {item.title}\n{item.text}" for item in self.objects]
        if self.omitted:
            parts.append(f"... {len(self.omitted)} more changed objects not shown (diff size "
                         "limit): " + ", ".join(item.title for item in self.omitted) + "\n")
        return "".join(parts)


def diff_json(diff: RenderedDiff) -> dict[str, Any]:
    """The rendered diff as JSON-ready data (for the JSON report of ``diff``)."""

    def item(entry: ObjectDiff) -> dict[str, Any]:
        ref = entry.resource
        return {"api_version": ref.api_version, "kind": ref.kind, "namespace": ref.namespace,
                "name": ref.name, "target": entry.target, "path": entry.path,
                "change": entry.change.value, "diff": "\n".join(entry.lines),
                "truncated_lines": entry.truncated}

    return {"objects": [item(entry) for entry in diff.objects],
            "omitted": [item(entry) for entry in diff.omitted], "unchanged": diff.unchanged}


_Key = tuple[str, str, str, str, str, int]


def rendered_diff(base: Iterable[Document], head: Iterable[Document], *,
                  limits: DiffLimits | None = None) -> RenderedDiff:
    """The rendered diff between the ``base`` and ``head`` documents of a change."""
    limits = limits or DiffLimits()
    old, new = _keyed(base), _keyed(head)
    diffs: list[ObjectDiff] = []
    unchanged = 0
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        old_body = _clean(before.body) if before else None
        new_body = _clean(after.body) if after else None
        if old_body is not None and new_body is not None:
            old_body, new_body = _redact_pair(old_body, new_body)
        else:
            old_body = _redact_pair(old_body, old_body)[0] if old_body is not None else None
            new_body = _redact_pair(new_body, new_body)[1] if new_body is not None else None
        old_text, new_text = _dump(old_body), _dump(new_body)
        if old_text == new_text:
            unchanged += 1
            continue
        diffs.append(_object_diff(before, after, old_text, new_text, limits))
    return _within_total(diffs, unchanged, limits)


def _keyed(documents: Iterable[Document]) -> dict[_Key, Document]:
    keyed: dict[_Key, Document] = {}
    seen: dict[tuple[str, str, str, str, str], int] = {}
    for document in documents:
        ref = document.resource
        identity = (document.target, ref.namespace, ref.kind, ref.name, ref.api_version)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        keyed[(*identity, occurrence)] = document
    return keyed


def _object_diff(before: Document | None, after: Document | None, old_text: str,
                 new_text: str, limits: DiffLimits) -> ObjectDiff:
    shown = after or before
    if shown is None:  # a key comes from one side at least
        raise ValueError("an object diff needs a base or a head document")
    change = (ObjectChange.ADDED if before is None else ObjectChange.DELETED if after is None
              else ObjectChange.MODIFIED)
    label = str(shown.resource)
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    header = [f"--- base: {label}" if before else "--- /dev/null",
              f"+++ head: {label}" if after else "+++ /dev/null"]
    if before and after and len(old_lines) + len(new_lines) > limits.input_lines:
        lines = [*header, f"@@ too large to diff line by line: {len(old_lines)} lines on the "
                          f"base, {len(new_lines)} on the head @@"]
    else:
        lines = list(difflib.unified_diff(old_lines, new_lines, lineterm="",
                                          fromfile=header[0][4:], tofile=header[1][4:]))
    kept = _capped(lines, limits)
    return ObjectDiff(resource=shown.resource, target=shown.target, path=shown.path,
                      change=change, lines=tuple(kept), truncated=len(lines) - len(kept))


def _capped(lines: Sequence[str], limits: DiffLimits) -> list[str]:
    kept: list[str] = []
    size = 0
    for whole in lines[:limits.object_lines]:
        line = _visible(whole[:limits.line_chars] + " ... (line cut)"
                        if len(whole) > limits.line_chars else whole)
        size += len(line.encode()) + 1
        if size > limits.object_bytes:
            break
        kept.append(line)
    return kept


def _within_total(diffs: list[ObjectDiff], unchanged: int, limits: DiffLimits) -> RenderedDiff:
    shown: list[ObjectDiff] = []
    omitted: list[ObjectDiff] = []
    size = 0
    for item in diffs:
        size += len(item.title.encode()) + len(item.text.encode()) + 3
        if size > limits.total_bytes:
            omitted.append(ObjectDiff(resource=item.resource, target=item.target, path=item.path,
                                      change=item.change, lines=(),
                                      truncated=len(item.lines) + item.truncated))
        else:
            shown.append(item)
    return RenderedDiff(objects=tuple(shown), omitted=tuple(omitted), unchanged=unchanged)


def _visible(text: str) -> str:
    """``text`` with control and bidirectional characters as ``\\uXXXX`` (YAML escapes the
    former in values, not in the header lines, and keeps the latter)."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _clean(body: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``body`` without mapping annotations (``metadata.annotations`` dropped when
    nothing else is left in it)."""
    cleaned = dict(body)
    meta = cleaned.get("metadata")
    if isinstance(meta, Mapping) and isinstance(meta.get("annotations"), Mapping):
        annotations = {key: value for key, value in meta["annotations"].items()
                       if not _is_mapping_annotation(key)}
        meta = {key: value for key, value in meta.items() if key != "annotations"}
        if annotations:
            meta["annotations"] = annotations
        cleaned["metadata"] = meta
    return cleaned


def _is_mapping_annotation(key: object) -> bool:
    return isinstance(key, str) and (key in MAPPING_ANNOTATIONS
                                     or key.startswith(_MAPPING_PREFIXES))


def _is_secret(body: Mapping[str, Any]) -> bool:
    kind = body.get("kind")
    return isinstance(kind, str) and kind.lower() == "secret"


def _redact_pair(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``old`` and ``new`` with every Secret value replaced by a marker that says only
    whether it differs from the other side's value."""
    old_secret, new_secret = _is_secret(old), _is_secret(new)
    old_out, new_out = dict(old), dict(new)
    for name in _SECRET_FIELDS:
        before = old.get(name) if old_secret else None
        after = new.get(name) if new_secret else None
        if old_secret and name in old:
            old_out[name] = _redacted(before, after, REDACTED_BASE)
        if new_secret and name in new:
            new_out[name] = _redacted(after, before, REDACTED_HEAD)
    for secret, source, out in ((old_secret, old, old_out), (new_secret, new, new_out)):
        meta = source.get("metadata")
        if secret and isinstance(meta, Mapping) and isinstance(meta.get("annotations"), Mapping) \
                and _LAST_APPLIED in meta["annotations"]:
            annotations = {**meta["annotations"], _LAST_APPLIED: REDACTED}
            out["metadata"] = {**meta, "annotations": annotations}
    return old_out, new_out


def _redacted(value: object, other: object, changed: str) -> object:
    """A value of a Secret field (a mapping of keys to values, or anything else) with its
    values replaced: ``REDACTED`` where the other side has the same value, ``changed``
    where it differs or is missing."""
    if not isinstance(value, Mapping):
        return REDACTED if value == other else changed
    others = other if isinstance(other, Mapping) else {}
    return {key: REDACTED if key in others and others[key] == item else changed
            for key, item in value.items()}


class _Dumper(yaml.CSafeDumper):
    """Writes shared values out in full: anchors and aliases would be noise in a diff (the
    loader's alias-expansion limit already bounds the expanded size)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(body: Mapping[str, Any] | None) -> str:
    if body is None:
        return ""
    try:
        return yaml.dump(body, Dumper=_Dumper, sort_keys=True, allow_unicode=True,
                         default_flow_style=False, width=1 << 16)
    except (yaml.YAMLError, TypeError, ValueError):
        return repr(body) + "\n"  # a value YAML cannot write (never from the loader)
