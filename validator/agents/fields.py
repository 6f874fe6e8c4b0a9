"""Reading an agent object's fields: typed access, repository paths, findings and skipped entries.

Agent objects are untrusted YAML: every field may be missing or of the wrong type, and
every path they name may try to leave the repository. These helpers give the readers
one way to read a field, to turn a path into a repository-relative one (None when it
leaves the root), and to report a problem at the field's line.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from validator.agents.model import AgentObject
from validator.agents.objects import FoundObject
from validator.model import Engine, Finding, Location, Severity, Skipped
from validator.render.options import FieldPath

_MAX_SHOWN = 200


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def text(value: object) -> str:
    """``value`` when it is a string, else empty (numbers as YAML wrote them are strings here)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else ""


def shown(value: str) -> str:
    """A value as a message shows it: cut to a readable length."""
    return value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "..."


def repo_path(base: str, path: str) -> str | None:
    """``path`` (relative to the repository folder ``base``; absolute: to the root) as a
    normalised repository-relative path; None when it leaves the repository."""
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(base, path)
    normal = posixpath.normpath(joined or ".")
    return None if normal == ".." or normal.startswith("../") else normal


def inside(root: Path, path: str) -> bool:
    """Whether the repository-relative ``path`` resolves (symlinks followed) inside ``root``
    (:func:`validator.render.paths.inside_root` in plain strings: one call per source)."""
    try:
        real_root = os.path.realpath(root)
        real = os.path.realpath(os.path.join(root, path))  # noqa: PTH118 - hot: one per source
    except OSError:
        return False
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def finding(found: FoundObject, field: FieldPath, rule: str, message: str, *,
            severity: Severity = Severity.ERROR) -> Finding:
    """A problem of the object at ``field``'s line (``agent/<rule>``)."""
    return Finding(rule_id=f"agent/{rule}", severity=severity, engine=Engine.RENDER,
                   message=message,
                   location=Location(path=found.path, line=found.line(field), field_path=field))


def skipped(found: FoundObject, field: FieldPath, agent: AgentObject, *, unit: str, group: str,
            what: str, why: str) -> Skipped:
    """``what`` the object deploys is not rendered, because ``why`` (counted as ``group``)."""
    return Skipped(path=f"{found.path}:{found.line(field)}", unit=unit,
                   group=f"not rendered: {group}",
                   reason=f"{agent}: {what} is not rendered: {why}")
