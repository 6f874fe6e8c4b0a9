"""Helpers for schema tests that run the real CLI on a small repository written in a tmp folder."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from validator.process import Command, run


def write(root: Path, path: str, text: str) -> Path:
    """Write ``text`` to ``root/path`` (creating folders); ``root`` gets a ``.git`` marker."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


def check(root: Path, *args: str, engine: str = "builtin", cache: Path | None = None,
          paths: tuple[str, ...] = ()) -> tuple[int, list[dict[str, Any]], str]:
    """``gitops-validator check`` of ``paths`` (default: ``root``) as JSON: (exit code, findings,
    stdout + stderr)."""
    env = {"XDG_CACHE_HOME": str(cache or root.parent / "xdg-cache"),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    if "GITOPS_VALIDATOR_TOOLS_DIR" in os.environ:
        env["GITOPS_VALIDATOR_TOOLS_DIR"] = os.environ["GITOPS_VALIDATOR_TOOLS_DIR"]
    result = run(Command(
        args=(sys.executable, "-m", "validator", "check", "--root", str(root),
              *(str(root / p) for p in paths or (".",)), "--no-policy", "--no-progress",
              "--schema-engine", engine, "-o", "json", *args),
        cwd=root, env=env, ok_codes=frozenset({0, 1, 2}), timeout=300))
    report = json.loads(result.stdout) if result.returncode != 2 else {"findings": []}
    return result.returncode, report["findings"], result.stdout.decode() + result.stderr


def rules_at(findings: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(rule id, path, line) of each finding, sorted."""
    return sorted((str(f["rule_id"]), str(f["path"]), int(f["line"])) for f in findings)
