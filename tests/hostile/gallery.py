"""The hostile-repository gallery: every case must leave the known-bad finding reported.

A *case* is a function that writes hostile content into a folder of a fresh
repository (``build(case_dir)``); each area of the validator registers its cases
with :func:`hostile` in a module of its own (``cases_*.py`` in this package), so the
gallery grows without two areas editing one file. ``test_gallery.py`` builds every
case next to a good manifest and a known-bad one and runs the real CLI in a
subprocess with a memory and time bound: whatever the case does, the known-bad
finding must be in the report, the run must end with exit code 1 (findings), and
the report must be complete JSON.

Each case must also show that it exercised what it claims: the rule ids in
``expect`` must be reported on a path under the case folder (with no ``expect``,
at least one finding or skipped entry there: nothing is silently passed over), and
none of the strings in ``forbidden`` (content of a file outside the repository,
a marker only a leak could print) may appear in the report or on standard error.
Every run has a loopback listener, reachable by the builders as :func:`listener_url`
and set as ``KUBECONFIG`` cluster and HTTP(S) proxy of the validator's environment;
the test asserts that nothing connected to it.
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
    expect: tuple[str, ...] = ()
    """Rule ids that must be reported on a path under the case folder (empty: at least
    one finding or skipped entry there)."""
    forbidden: tuple[str, ...] = ()
    """Strings that must not appear in the report or on standard error (leaked content)."""


CASES: dict[str, HostileCase] = {}
_LISTENER_URL: list[str] = []


def hostile(name: str, *, extra_args: tuple[str, ...] = (), expect: tuple[str, ...] = (),
            forbidden: tuple[str, ...] = ()) -> Callable[[Build], Build]:
    """Register ``build`` as the hostile case ``name``."""

    def register(build: Build) -> Build:
        if name in CASES:
            raise ValueError(f"hostile case {name!r} registered twice")
        CASES[name] = HostileCase(name=name, build=build, extra_args=extra_args, expect=expect,
                                  forbidden=forbidden)
        return build

    return register


def listener_url() -> str:
    """``http://127.0.0.1:PORT`` of the loopback listener of the case being built."""
    if not _LISTENER_URL:
        raise RuntimeError("listener_url() is only available while the gallery builds a case")
    return _LISTENER_URL[-1]


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


def write_repository(root: Path, case: HostileCase, *, listener: str = "http://127.0.0.1:9") -> Path:
    """A repository at ``root`` with the good and known-bad manifests and ``case`` built in
    ``root/case`` (``listener`` is what :func:`listener_url` returns meanwhile); returns the
    case folder."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "good").mkdir(exist_ok=True)
    (root / "good" / "configmap.yaml").write_text(GOOD)
    (root / "known").mkdir(exist_ok=True)
    (root / KNOWN_BAD_PATH).write_text(KNOWN_BAD)
    folder = root / "case"
    folder.mkdir()
    _LISTENER_URL.append(listener)
    try:
        case.build(folder)
    finally:
        _LISTENER_URL.pop()
    return folder
