"""Two real trees (base and head) checked by the real pipeline, then compared.

Each tree is a folder with a ``.git`` marker written by the test; both are checked with
the same options as ``gitops-validator check --policy builtin`` (real kustomize, helm,
schemas and OPA), and the head report is classified against the base report with
:func:`validator.change.compare.compare_reports`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from validator.change.compare import compare_reports
from validator.cli.check import check
from validator.config import find_repo_root, resolve_check_settings
from validator.model import Finding, FindingStatus, Report
from validator.pipeline import run_check
from validator.repo_config import load_repo_config


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """``files`` (path -> text) written under ``root``, with a ``.git`` marker."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def check_tree(root: Path, *args: str) -> Report:
    """The report of ``gitops-validator check ROOT --policy builtin ARGS`` (no output written)."""
    context = check.make_context("check", [str(root), "--policy", "builtin", "--no-progress",
                                           "--jobs", "2", *args])
    options = dict(context.params)
    paths = tuple(options.pop("paths"))
    options.pop("root")
    for name in ("all_kustomizations", "outputs", "output_files", "color", "progress"):
        options.pop(name)
    repo_root = find_repo_root(paths, None)
    settings = resolve_check_settings(options, explicit=set(options), root=repo_root, paths=paths,
                                      repo=load_repo_config(repo_root))
    return run_check(settings)


def compare_trees(base: Path, head: Path, renames: Mapping[str, str] | None = None,
                  *args: str) -> Report:
    """The head tree's report with statuses against the base tree's."""
    return compare_reports(head=check_tree(head, *args), base=check_tree(base, *args),
                           renames=renames or {})


def status_of(report: Report, rule_id: str, *, path: str = "", message: str = ""
              ) -> list[tuple[FindingStatus | None, str, int]]:
    """``(status, path, line)`` of the findings (fixed ones included) of ``rule_id`` whose path
    and message contain ``path`` and ``message``."""
    found: list[Finding] = [f for f in (*report.findings, *report.fixed) if f.rule_id == rule_id
                            and path in f.location.path and message in f.message]
    return [(f.status, f.location.path, f.location.line) for f in found]
