"""The hostile-repository gallery: every case must leave the known-bad finding reported.

A *case* is a function that writes hostile content into a folder of a fresh
repository (``build(case_dir)``); each area of the validator registers its cases
with :func:`hostile` in a module of its own (``cases_*.py`` in this package), so the
gallery grows without two areas editing one file. ``test_gallery.py`` builds every
case next to a good manifest and a known-bad one and runs the real CLI in a
subprocess with a memory and time bound: whatever the case does, the known-bad
finding must be in the report, the run must end with exit code 1 (findings), and
the report must be complete JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Build = Callable[[Path], None]


@dataclass(frozen=True, kw_only=True)
class HostileCase:
    """One hostile fixture."""

    name: str
    """Unique, used as the test id and as the case's folder name."""
    build: Build
    """Writes the hostile files into the folder it is given (created, empty)."""
    extra_args: tuple[str, ...] = ()
    """More ``check`` arguments the case needs (``--policy ...``)."""


CASES: dict[str, HostileCase] = {}


def hostile(name: str, *, extra_args: tuple[str, ...] = ()) -> Callable[[Build], Build]:
    """Register ``build`` as the hostile case ``name``."""

    def register(build: Build) -> Build:
        if name in CASES:
            raise ValueError(f"hostile case {name!r} registered twice")
        CASES[name] = HostileCase(name=name, build=build, extra_args=extra_args)
        return build

    return register


GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: good
  namespace: gallery
data:
  key: value
"""

#: A known-bad manifest: a schema error on line 7 (``spec.replicas`` is a string).
KNOWN_BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: known-bad
  namespace: gallery
spec:
  replicas: "two"
  selector: {matchLabels: {app: known-bad}}
  template:
    metadata: {labels: {app: known-bad}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""
KNOWN_BAD_PATH = "known/bad.yaml"
KNOWN_BAD_LINE = 7


def write_repository(root: Path, case: HostileCase) -> Path:
    """A repository at ``root`` with the good and known-bad manifests and ``case`` built in
    ``root/case``; returns the case folder."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "good").mkdir(exist_ok=True)
    (root / "good" / "configmap.yaml").write_text(GOOD)
    (root / "known").mkdir(exist_ok=True)
    (root / KNOWN_BAD_PATH).write_text(KNOWN_BAD)
    folder = root / "case"
    folder.mkdir()
    case.build(folder)
    return folder
