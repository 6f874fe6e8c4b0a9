"""The pipeline: inputs -> documents -> schema and policy findings -> one report.

Every way in (CLI, GitHub Action, webhook app) calls :func:`run_check` with resolved
settings and hands the :class:`~validator.model.Report` to the reporters. This module
only sequences the stages; each stage lives in its own package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from validator.config import CheckSettings, FailOn, relative_to_root
from validator.load import Document
from validator.load.safety import gc_paused
from validator.model import Finding, Report, Rule, Skipped, sort_findings
from validator.policy.settings import PolicySettings
from validator.render import RenderResult, TargetKind, TargetPlan, discover_targets, render_targets
from validator.run_scope import run_scope
from validator.schema import SchemaEngineName, SchemaSettings, validate_schemas
from validator.tools import Tool, find_tool, tool_version

_LOGGER = logging.getLogger(__name__)

_RENDER_TOOLS = {TargetKind.KUSTOMIZE: Tool.KUSTOMIZE, TargetKind.HELM: Tool.HELM}

#: Progress callback: (stage label, items done, items in all).
Progress = Callable[[str, int, int], None]


@dataclass(kw_only=True)
class _Collected:
    """What the stages have produced so far (mutable only inside this module)."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=dict)


def run_check(settings: CheckSettings, *, progress: Progress | None = None) -> Report:
    """Render the targets under ``settings.paths``, validate them and build the report.

    The cyclic garbage collector is paused for the run: the documents are hundreds of
    thousands of long-lived acyclic containers, and rescanning them on every automatic
    collection made locating findings several times slower (see ``gc_paused``).
    Every process and temporary file of the run ends with it (``run_scope``).
    """
    with gc_paused(), run_scope():
        return _run_check(settings, progress)


def _run_check(settings: CheckSettings, progress: Progress | None) -> Report:
    collected = _Collected(skipped=list(settings.notes))
    rendered = _render(settings, collected, progress)
    documents = rendered.documents
    if settings.schema is not None:
        _validate_schemas(documents, settings.schema, collected)
    if settings.policy is not None:
        _evaluate_policies(documents, settings.policy, settings.root, collected)
    return Report(
        findings=sort_findings(collected.findings),
        resources=len(documents),
        files=rendered.files_read,
        rules=tuple(sorted({rule.id: rule for rule in collected.rules}.values(), key=lambda r: r.id)),
        skipped=tuple(sorted(collected.skipped, key=lambda s: (s.path, s.reason))),
        tool_versions=tuple(sorted(collected.tools.items())),
    )


def _render(settings: CheckSettings, collected: _Collected, progress: Progress | None) -> RenderResult:
    plan = discover_targets(settings.root, settings.paths, settings.repo_config)
    _LOGGER.debug("Rendering %d targets", len(plan.targets))
    report_progress = (lambda done, total: progress("Rendering", done, total)) if progress else None
    result = render_targets(plan, settings.render, root=settings.root, progress=report_progress)
    collected.findings.extend(result.findings)
    collected.skipped.extend(result.skipped)
    collected.skipped.extend(_not_checked(plan, settings))
    for kind in {target.kind for target in plan.targets}:
        if (tool := _RENDER_TOOLS.get(kind)) is not None:
            _note_tool(tool, collected)
    return result


#: Reasons for not checking a file that would only be noise in every report.
_QUIET_REASONS = ("not a YAML or JSON file", "the validator's configuration file",
                  "symlink to a directory inside the repository")


def _not_checked(plan: TargetPlan, settings: CheckSettings) -> list[Skipped]:
    """Files the plan passes over, as skipped entries: every one the user named, and the
    others unless their reason is routine (see ``_QUIET_REASONS``)."""
    named = {relative_to_root(path, settings.root) for path in settings.paths}
    return [Skipped(path=path, reason=why) for path, why in plan.ignored.items()
            if path in named or not (why.startswith(_QUIET_REASONS) or path.rsplit("/", 1)[-1] == ".git")]


def _validate_schemas(documents: tuple[Document, ...], settings: SchemaSettings,
                      collected: _Collected) -> None:
    if settings.engine is SchemaEngineName.KUBECONFORM:
        _note_tool(Tool.KUBECONFORM, collected)
    result = validate_schemas(documents, settings)
    collected.findings.extend(result.findings)
    collected.skipped.extend(result.skipped)


def _evaluate_policies(documents: tuple[Document, ...], settings: PolicySettings, root: Path,
                       collected: _Collected) -> None:
    from validator.policy import evaluate_policies  # noqa: PLC0415 - only when policies run

    if settings.opa_url is None:
        _note_tool(Tool.OPA, collected)
    result = evaluate_policies(documents, settings, root=root)
    collected.findings.extend(result.findings)
    collected.skipped.extend(result.skipped)
    collected.rules.extend(result.rules)


def _note_tool(tool: Tool, collected: _Collected) -> None:
    path = find_tool(tool)
    collected.tools[tool.value] = tool_version(path, tool) if path else "not installed"


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0 when no finding reaches ``fail_on``, else 1 (usage and tool errors exit 2 elsewhere)."""
    threshold = fail_on.threshold
    worst = report.worst()
    return 1 if threshold is not None and worst is not None and worst >= threshold else 0
