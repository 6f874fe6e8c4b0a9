"""Every hostile case, beside a good and a known-bad manifest: the known-bad finding survives.

The CLI runs in a subprocess (the real helm, kustomize, opa and kubeconform) under an
address-space bound, so that a case that escapes the validator's own limits fails
this test instead of taking the machine down.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path

import pytest

import tests.hostile
from tests.hostile.gallery import CASES, KNOWN_BAD_LINE, KNOWN_BAD_PATH, HostileCase, write_repository
from validator.process import Command, run

for _module in pkgutil.iter_modules(tests.hostile.__path__):
    if _module.name.startswith("cases_"):
        importlib.import_module(f"tests.hostile.{_module.name}")

#: The bound on the validator's own address space in the gallery (its children have their own).
GALLERY_MEMORY_BYTES = 6 * 1024**3


def _check(root: Path, case: HostileCase) -> tuple[int, dict[str, object], str]:
    script = ("import resource, sys; "
              f"resource.setrlimit(resource.RLIMIT_AS, ({GALLERY_MEMORY_BYTES}, {GALLERY_MEMORY_BYTES})); "
              "from validator.cli import main; sys.exit(main())")
    policy = () if "--policy" in case.extra_args else ("--no-policy",)  # cases that bring policies
    args = (sys.executable, "-c", script, "check", str(root), "-o", "json", *policy,
            *case.extra_args)
    env = {"PYTHONPATH": os.pathsep.join(sys.path)}
    for name in ("GITOPS_VALIDATOR_TOOLS_DIR", "XDG_CACHE_HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    result = run(Command(args=args, cwd=root, env=env, timeout=240, ok_codes=frozenset({0, 1, 2})))
    try:
        report = json.loads(result.stdout)
    except ValueError:
        report = {}
    return result.returncode, report, result.stderr


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_bad_finding_survives_every_hostile_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    root = tmp_path / "repo"
    write_repository(root, case)
    code, report, stderr = _check(root, case)
    assert code == 1, f"exit {code}: {stderr[-2000:]}"
    findings = report.get("findings")
    assert isinstance(findings, list), stderr[-2000:]
    known = [f for f in findings if f["path"] == KNOWN_BAD_PATH and f["line"] == KNOWN_BAD_LINE]
    assert known, f"the known-bad finding is missing: {json.dumps(findings)[:2000]}"
