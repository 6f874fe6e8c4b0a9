"""The pipeline: inputs -> documents -> schema and policy findings -> one report.

Every way in (CLI, GitHub Action, webhook app) calls :func:`run_check` with resolved
settings and hands the :class:`~validator.model.Report` to the reporters. This module
only sequences the stages; each stage lives in its own package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from validator.agents.nested import Followed, follow_applications
from validator.change.block import Block, blocks
from validator.config import CheckSettings, FailOn, relative_to_root
from validator.load import Document
from validator.load.safety import gc_paused
from validator.merge import merge_across_targets
from validator.model import Finding, Report, Rule, Skipped, natural_path_key, sort_findings
from validator.policy.settings import PolicySettings
from validator.policy.sources import policy_files
from validator.render import RenderResult, TargetKind, TargetPlan, discover_targets, render_targets
from validator.render.coverage import coverage_findings
from validator.render.unchecked import ignored_file, unrendered_agent_sources
from validator.rule_levels import apply_rule_levels, check_rule_ids, declared_rule_ids
from validator.run_scope import run_scope
from validator.schema import SchemaEngineName, SchemaSettings, validate_schemas
from validator.stages import Progress, Stage, StageTiming, log_timings, stage_progress, timed_stage
from validator.tools import Tool, find_tool, tool_version

if TYPE_CHECKING:
    from validator.policy.evaluate import PolicyEngine

_LOGGER = logging.getLogger(__name__)

_RENDER_TOOLS = {TargetKind.KUSTOMIZE: Tool.KUSTOMIZE, TargetKind.HELM: Tool.HELM}


@dataclass(kw_only=True)
class _Collected:
    """What the stages have produced so far (mutable only inside this module)."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    tools: dict[str, str] = field(default_factory=dict)
    timings: list[StageTiming] = field(default_factory=list)
    documents: tuple[Document, ...] = ()
    engine: PolicyEngine | None = None


def run_check(settings: CheckSettings, *, progress: Progress | None = None,
              plan: TargetPlan | None = None) -> Report:
    """Render the targets under ``settings.paths``, validate them and build the report.

    The cyclic garbage collector is paused for the run: the documents are hundreds of
    thousands of long-lived acyclic containers, and rescanning them on every automatic
    collection made locating findings several times slower (see ``gc_paused``).
    Every process and temporary file of the run ends with it (``run_scope``).
    ``plan`` (``diff``): render these targets (the affected ones) instead of discovering them.
    """
    return check_documents(settings, progress=progress, plan=plan)[0]


def check_documents(settings: CheckSettings, *, progress: Progress | None = None,
                    plan: TargetPlan | None = None, policy_engine: PolicyEngine | None = None
                    ) -> tuple[Report, tuple[Document, ...]]:
    """:func:`run_check`, with the rendered documents (``diff`` diffs them); ``policy_engine``:
    evaluate with this open engine (``diff`` shares one between base and head) instead of
    loading ``settings.policy`` for the run."""
    with gc_paused(), run_scope():
        collected = _Collected(engine=policy_engine)
        try:
            report = _run_check(settings, progress, collected, plan)
            return report, collected.documents
        finally:
            log_timings(collected.timings)


def _run_check(settings: CheckSettings, progress: Progress | None, collected: _Collected,
               given: TargetPlan | None = None) -> Report:
    rendered = _render(settings, collected, progress, given)
    documents = collected.documents = rendered.documents
    collected.skipped += [replace(note, count=len(documents)) if note.unit == "resource" else note
                          for note in settings.notes]
    if settings.schema is not None:
        with timed_stage(Stage.SCHEMA, items=len(documents), unit="resource",
                         timings=collected.timings, progress=progress):
            _validate_schemas(documents, settings.schema, collected,
                              stage_progress(progress, Stage.SCHEMA))
    if settings.policy is not None:
        with timed_stage(Stage.POLICY, items=len(documents), unit="resource",
                         timings=collected.timings, progress=progress):
            _evaluate_policies(documents, settings.policy, settings.root, collected)
    if settings.rules:
        _apply_rule_levels(settings, collected)
    return Report(
        findings=sort_findings(merge_across_targets(collected.findings)),
        resources=len(documents),
        files=rendered.files_read,
        rules=tuple(sorted({rule.id: rule for rule in collected.rules}.values(), key=lambda r: r.id)),
        skipped=tuple(sorted(collected.skipped, key=lambda s: (natural_path_key(s.path), s.reason))),
        tool_versions=tuple(sorted(collected.tools.items())),
    )


def _render(settings: CheckSettings, collected: _Collected, progress: Progress | None,
            given: TargetPlan | None = None) -> RenderResult:
    plan = given if given is not None else discover_targets(settings.root, settings.paths,
                                                             settings.repo_config)
    _LOGGER.debug("Rendering %d targets", len(plan.targets))
    with timed_stage(Stage.RENDER, items=len(plan.targets), unit="target", timings=collected.timings):
        followed = render_plan(settings, plan, progress=stage_progress(progress, Stage.RENDER))
        result = followed.result
    collected.findings.extend(result.findings)
    if given is None:  # a diff checks a slice by design: "far less than the repository" is expected
        collected.findings.extend(coverage_findings(plan, result))
    collected.skipped.extend(result.skipped)
    collected.skipped.extend(_not_checked(plan, settings))
    targets = (*plan.targets, *followed.targets)
    rendered = {target.path for target in targets if target.kind is not TargetKind.PLAIN}
    collected.skipped += plan.skipped
    collected.skipped += followed.skipped
    collected.skipped += unrendered_agent_sources(_unread(result.documents, plan, followed), rendered,
                                                  settings.repo_config.agents.mode)
    for kind in {target.kind for target in targets}:
        if (tool := _RENDER_TOOLS.get(kind)) is not None:
            _note_tool(tool, collected)
    return result


#: The kinds of agent objects (their groups are told apart by render/unchecked.py).
_AGENT_KINDS = frozenset({"Application", "ApplicationSet", "Kustomization", "HelmRelease"})


def _unread(documents: tuple[Document, ...], plan: TargetPlan,
            followed: Followed) -> list[Document]:
    """The agent objects among ``documents`` no reader read: neither an object of the
    repository's files the plan read (matched by its source file and line, as another
    target may render it again) nor an Application the app-of-apps step followed."""
    return [d for d in documents if d.kind in _AGENT_KINDS and (d.path, d.index) not in followed.read
            and (d.path, d.locate(()).line) not in plan.agent_documents]


def render_plan(settings: CheckSettings, plan: TargetPlan,
                progress: Callable[[int, int], None] | None = None) -> Followed:
    """The documents ``plan`` renders to under ``settings``, with the Applications rendered
    out of agent targets followed (app of apps): what ``check`` validates and ``render``
    prints (both call this, so the two never disagree)."""
    result = render_targets(plan, settings.render, root=settings.root, progress=progress)
    return follow_applications(plan, result, root=settings.root, config=settings.repo_config,
                               settings=settings.render)


#: Reasons for not checking a file that would only be noise in every report.
_QUIET_REASONS = ("not a YAML or JSON file", "the validator's configuration file",
                  "symlink to a directory inside the repository")


def _not_checked(plan: TargetPlan, settings: CheckSettings) -> list[Skipped]:
    """Files the plan passes over, as skipped entries: every one the user named, and the
    others unless their reason is routine (see ``_QUIET_REASONS``)."""
    named = {relative_to_root(path, settings.root) for path in settings.paths}
    return [ignored_file(path, why) for path, why in plan.ignored.items()
            if path in named or not (why.startswith(_QUIET_REASONS) or path.rsplit("/", 1)[-1] == ".git")]


def _validate_schemas(documents: tuple[Document, ...], settings: SchemaSettings,
                      collected: _Collected, progress: Callable[[int, int], None] | None) -> None:
    if settings.engine is SchemaEngineName.KUBECONFORM:
        _note_tool(Tool.KUBECONFORM, collected)
    result = validate_schemas(documents, settings, progress=progress)
    collected.findings.extend(result.findings)
    collected.skipped.extend(result.skipped)


def _evaluate_policies(documents: tuple[Document, ...], settings: PolicySettings, root: Path,
                       collected: _Collected) -> None:
    from validator.policy import evaluate_policies  # noqa: PLC0415 - only when policies run

    if settings.opa_url is None:
        _note_tool(Tool.OPA, collected)
    result = (evaluate_policies(documents, settings, root=root) if collected.engine is None
              else collected.engine.evaluate(documents, root=root))
    collected.findings.extend(result.findings)
    collected.skipped.extend(result.skipped)
    collected.rules.extend(result.rules)


def _apply_rule_levels(settings: CheckSettings, collected: _Collected) -> None:
    if settings.policy is not None:  # policy ids are checked against the rules the policies hold
        files = policy_files(settings.policy.policy_dirs, root=settings.root).values()
        check_rule_ids(settings.rules, (rule.id for rule in collected.rules), declared_rule_ids(files))
    # merged first: a finding reached through several targets is one skipped entry, not one each
    collected.findings, dropped = apply_rule_levels(merge_across_targets(collected.findings),
                                                    settings.rules)
    collected.skipped += dropped


def _note_tool(tool: Tool, collected: _Collected) -> None:
    path = find_tool(tool)
    collected.tools[tool.value] = tool_version(path, tool) if path else "not installed"


def exit_code(report: Report, fail_on: FailOn) -> int:
    """0 when no finding reaches ``fail_on``, else 1 (usage and tool errors exit 2 elsewhere)."""
    threshold = fail_on.threshold
    worst = report.worst()
    return 1 if threshold is not None and worst is not None and worst >= threshold else 0


def diff_exit_code(report: Report, fail_on: FailOn, block: Block) -> int:
    """:func:`exit_code` of a compared report, counting only the findings ``block`` selects
    (``new`` ones, or ``new`` and ``existing`` ones; never ``fixed`` ones)."""
    return exit_code(replace(report, findings=tuple(f for f in report.findings if blocks(f, block)),
                             fixed=()), fail_on)
