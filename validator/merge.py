"""One finding per source line, however many render targets reached it.

A base file included by several overlays (or a template rendered with several value
sets) is rendered once per target, so each of its problems is found once per target.
The reviewer edits one line, so those findings become one, listing its targets. Two
findings merge when everything but the target and the namespace matches (rule,
severity, engine, file, line, column, field, message, kind and name): the namespace is
what overlays usually change. A merged finding's resource keeps the namespace only
when every target agrees on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from validator.model import Finding, ResourceRef

_MergeKey = tuple[object, ...]


def _key(finding: Finding) -> _MergeKey:
    resource = finding.resource
    identity = (resource.api_version, resource.kind, resource.name) if resource else None
    return (finding.rule_id, finding.severity, finding.engine, finding.location, finding.message,
            identity, finding.title, finding.help_uri)


def merge_across_targets(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` with those that differ only by render target (and namespace) merged."""
    merged: dict[_MergeKey, list[Finding]] = {}
    out: list[Finding | _MergeKey] = []
    for finding in findings:
        if not finding.all_targets:
            out.append(finding)
            continue
        key = _key(finding)
        if key not in merged:
            merged[key] = []
            out.append(key)
        merged[key].append(finding)
    return [item if isinstance(item, Finding) else _one(merged[item]) for item in out]


def _one(group: list[Finding]) -> Finding:
    targets = tuple(sorted({target for finding in group for target in finding.all_targets}))
    first = group[0]
    if len(targets) == 1:
        return first
    resource = first.resource
    namespaces = {finding.resource.namespace for finding in group if finding.resource}
    if resource is not None and len(namespaces) > 1:
        resource = ResourceRef(api_version=resource.api_version, kind=resource.kind,
                               name=resource.name)
    return replace(first, resource=resource, target=targets[0], targets=targets)
