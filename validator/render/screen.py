"""Screening a target's input files before helm or kustomize parse them.

Our loader refuses a YAML bomb in a plain file, but helm and kustomize parse their
inputs with Go YAML libraries that expand aliases without a budget: a billion-laughs
file behind a kustomization took kustomize to gigabytes of memory. Every input that
could expand (it uses anchors and aliases) or is over the size limit is checked with
the loader's limits first (depth, nodes and bytes per document and per file), and the
target is refused if one fails, or if what its inputs expand to together is over the
run's budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from validator.load import LoadOptions, load_bytes, load_file
from validator.load.files import not_regular
from validator.load.safety import ExpansionBudget, LoadLimits
from validator.model import Engine, Finding, Location, Severity

_YAML_SUFFIXES = (".yaml", ".yml", ".json")
_LIMIT_RULES = frozenset({"load/limit", "load/too-large", "load/too-many-documents"})


def screen_inputs(root: Path, paths: Iterable[str], limits: LoadLimits, *, target: str) -> list[Finding]:
    """Findings for the inputs (repository-relative ``paths``) that break the load limits."""
    refused: list[Finding] = []
    together = ExpansionBudget(limits.max_run_expanded_nodes, limits.max_run_expanded_bytes)
    for path in sorted(set(paths)):
        if special := not_regular(root / path):  # helm or kustomize would block reading it
            refused.append(Finding(rule_id="render/input-not-a-file", severity=Severity.ERROR,
                                   engine=Engine.RENDER, location=Location(path=path),
                                   message=f"{special}; {target} was not rendered"))
            continue
        if not path.lower().endswith(_YAML_SUFFIXES):
            continue
        try:
            if (root / path).stat().st_size > limits.max_file_bytes:  # refused unread
                loaded = load_file(root / path, display_path=path, options=LoadOptions(limits=limits))
            else:
                data = (root / path).read_bytes()
                if not (b"&" in data and b"*" in data):
                    continue
                loaded = load_bytes(data, display_path=path, options=LoadOptions(limits=limits))
        except OSError:
            continue  # a missing input is the renderer's to report, with its own message
        refused += [Finding(rule_id="render/input-limit", severity=Severity.ERROR, engine=Engine.RENDER,
                            location=Location(path=path, line=f.location.line),
                            message=f"{f.message}; {target} was not rendered")
                    for f in loaded.findings if f.rule_id in _LIMIT_RULES]
        over = together.spend(loaded.expansion)
        if over and not refused:
            refused.append(Finding(
                rule_id="render/input-limit", severity=Severity.ERROR, engine=Engine.RENDER,
                location=Location(path=path),
                message=f"the inputs of {target} up to this file together expand to {over} "
                        f"(the run's budget); {target} was not rendered"))
    return refused
