"""Findings, reports, changes and outcomes built for the GitHub publishing tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from validator.change.block import Block
from validator.change.model import Change, ChangeStatus, FileChange, LineRange
from validator.model import (
    Engine,
    Finding,
    FindingStatus,
    Fix,
    Location,
    Report,
    ResourceRef,
    Severity,
)
from validator.scm.outcome import Outcome

HEAD = "b" * 40
BASE = "a" * 40


def finding(path: str = "apps/web.yaml", line: int = 3, *, rule: str = "K8S-001",
            severity: Severity = Severity.ERROR, message: str = "privileged container",
            status: FindingStatus | None = FindingStatus.NEW, column: int = 0,
            name: str = "web", help_uri: str = "", title: str = "",
            field: str = "", fix: Fix | None = None) -> Finding:
    """A policy finding on ``path:line`` about Deployment ``name`` (at ``field`` if given)."""
    return Finding(rule_id=rule, severity=severity, message=message,
                   location=Location(path=path, line=line, column=column,
                                     field_path=("spec", "template", name, *([field] if field else []))),
                   engine=Engine.POLICY, status=status, help_uri=help_uri, title=title, fix=fix,
                   resource=ResourceRef(api_version="apps/v1", kind="Deployment", name=name))


def report(*findings: Finding, fixed: Sequence[Finding] = (), compared: bool = True) -> Report:
    """A report of ``findings`` (compared by default, with ``fixed`` base findings)."""
    return Report(findings=tuple(findings), resources=len(findings), files=1,
                  compared=compared, fixed=tuple(fixed))


def change(commentable: Mapping[str, Sequence[tuple[int, int]]],
           deleted: Sequence[str] = ()) -> Change:
    """A change whose files have the given commentable ``(start, end)`` ranges."""
    files = [FileChange(path=path, status=ChangeStatus.MODIFIED,
                        commentable=tuple(LineRange(start=s, end=e) for s, e in ranges))
             for path, ranges in commentable.items()]
    files += [FileChange(path=path, status=ChangeStatus.DELETED) for path in deleted]
    return Change(base=BASE, head=HEAD, files=tuple(sorted(files, key=lambda f: f.path)))


def outcome(rep: Report, *, chg: Change | None = None, blocking: bool = False,
            markdown: str = "## report\n", error: str = "",
            lines: Mapping[str, Sequence[str]] | None = None, block: Block = Block.NEW) -> Outcome:
    """An outcome of ``rep``; ``lines`` are the head files' lines (for suggestions)."""
    known = dict(lines or {})
    return Outcome(report=rep, blocking=blocking, markdown=markdown, change=chg,
                   head_lines=known.get, error=error, block=block)
