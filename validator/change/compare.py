"""New, existing, fixed: the head's findings matched against the base's by fingerprint.

A base finding is looked up on the head under the fingerprint it would have in its
file's head path (``renames`` maps base paths to head paths, from git's rename
detection), so line moves, reformatting, renamed files and items inserted in named
lists (see :mod:`validator.fingerprint`) keep a finding ``existing``. Findings with
the same fingerprint are matched by count: a pair on the same line first, then the
rest in line order. Unmatched head findings are ``new``; unmatched base findings are
``fixed`` and keep their base path and line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from validator.model import Finding, FindingStatus, Report


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """The head's findings with their status, and the base's findings the head no longer has."""

    head: tuple[Finding, ...]
    """Every head finding, in the order given, with status NEW or EXISTING."""
    fixed: tuple[Finding, ...]
    """Base findings with no match on the head, status FIXED, sorted."""


def compare_findings(*, head: Sequence[Finding], base: Sequence[Finding],
                     renames: Mapping[str, str]) -> Comparison:
    """Classify ``head`` against ``base``; ``renames`` maps base paths to head paths."""
    base_by_key = _by_key(base, lambda f: f.fingerprint_at(renames.get(f.location.path,
                                                                         f.location.path)))
    head_by_key = _by_key(head, lambda f: f.fingerprint)
    existing: set[int] = set()
    fixed: list[Finding] = []
    for key, base_group in base_by_key.items():
        matched_head, unmatched_base = _pair(head_by_key.get(key, []), base_group, renames)
        existing.update(matched_head)
        fixed.extend(replace(base[i], status=FindingStatus.FIXED) for i in unmatched_base)
    return Comparison(
        head=tuple(replace(finding, status=FindingStatus.EXISTING if i in existing
                           else FindingStatus.NEW) for i, finding in enumerate(head)),
        fixed=tuple(sorted(fixed, key=Finding.sort_key)))


def compare_reports(*, head: Report, base: Report, renames: Mapping[str, str]) -> Report:
    """The head report with every finding's status and the base's fixed findings."""
    comparison = compare_findings(head=head.findings, base=base.findings, renames=renames)
    return replace(head, findings=comparison.head, fixed=comparison.fixed, compared=True)


_Indexed = list[tuple[int, Finding]]
_KeyFunction = Callable[[Finding], str]


def _by_key(findings: Sequence[Finding], key: _KeyFunction) -> dict[str, _Indexed]:
    groups: dict[str, _Indexed] = {}
    for i, finding in enumerate(findings):
        groups.setdefault(key(finding), []).append((i, finding))
    return groups


def _pair(head: _Indexed, base: _Indexed, renames: Mapping[str, str]
          ) -> tuple[list[int], list[int]]:
    """Indexes of the matched head findings and of the unmatched base findings of one key:
    same (renamed) file and line first, then the rest in line order (linear in the group)."""
    head_at: dict[tuple[str, int], list[int]] = {}
    for i, finding in sorted(head, key=lambda item: item[1].location.line, reverse=True):
        head_at.setdefault((finding.location.path, finding.location.line), []).append(i)
    matched: set[int] = set()
    unmatched_base: _Indexed = []
    for i, finding in sorted(base, key=lambda item: item[1].location.line):
        spot = (renames.get(finding.location.path, finding.location.path), finding.location.line)
        twins = head_at.get(spot)
        if twins:
            matched.add(twins.pop())
        else:
            unmatched_base.append((i, finding))
    free_head = [i for i, _ in sorted(head, key=lambda item: item[1].location.line)
                 if i not in matched]
    pairs = min(len(free_head), len(unmatched_base))
    return [*matched, *free_head[:pairs]], [i for i, _ in unmatched_base[pairs:]]
