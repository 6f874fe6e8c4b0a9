"""Argo CD ``ApplicationSet`` objects read into targets through the Applications they generate.

The ApplicationSet is expanded (:mod:`validator.agents.appset_expand`); each generated
Application is handed to the Application reader as an object of the ApplicationSet's
file, its fields located in the ApplicationSet's template (so a finding an inline
value causes lands on the template's line) and its agent object naming the
ApplicationSet (``generated_by``). What cannot be expanded is a counted skipped
entry (unit ``ApplicationSet``); problems in the ApplicationSet are findings on the
line of the field they concern.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from validator.agents.appset_expand import Expansion, expand, template_mode
from validator.agents.generators import GeneratorContext
from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead
from validator.model import Engine, FieldPath, Finding, Location, Skipped
from validator.render.options import ValueSource
from validator.render.targets import Target

ApplicationReader = Callable[[FoundObject, AgentContext], AgentRead]


def read_application_set(found: FoundObject, context: AgentContext,
                         read_application: ApplicationReader | None = None) -> AgentRead:
    """The targets of the Applications ``found`` (an ApplicationSet) generates (each read by
    ``read_application``, default :func:`validator.agents.argocd.read_application`)."""
    from validator.agents import argocd  # noqa: PLC0415 - the readers import the planner

    reader = read_application or argocd.read_application
    spec = found.body.get("spec")
    generator_context = GeneratorContext(
        root=context.root, repository_urls=context.repository_urls,
        clusters=context.config.clusters,
        mode=template_mode(spec if isinstance(spec, Mapping) else {}))
    expansion = expand(found.body, generator_context)
    owner = str(found.agent_object())
    targets: list[Target] = []
    skipped = _skipped(found, expansion, owner)
    findings = _findings(found, expansion, owner)
    for generated in expansion.applications:
        application = FoundObject(body=generated.body, path=found.path, index=found.index,
                                  locator=found.locator, field_prefix=generated.template_path)
        read = reader(application, context)
        targets += [_rebased(t, found, generated.template_path, owner,
                             tuple(dict.fromkeys(generator_context.files_read)))
                    for t in read.targets]
        skipped += read.skipped
        findings += [_rebased_finding(f, found, generated.template_path) for f in read.findings]
    return AgentRead(targets=tuple(targets), skipped=tuple(skipped), findings=tuple(findings))


def _skipped(found: FoundObject, expansion: Expansion, owner: str) -> list[Skipped]:
    return [Skipped(path=f"{found.path}:{found.line(entry.field_path)}", unit="ApplicationSet",
                    group=entry.group, reason=f"{owner}: {_field(entry.field_path)} is not "
                                              f"rendered: {entry.why}")
            for entry in expansion.not_expanded]


def _findings(found: FoundObject, expansion: Expansion, owner: str) -> list[Finding]:
    return [Finding(rule_id=problem.rule, severity=problem.severity, engine=Engine.RENDER,
                    message=f"{owner}: {_field(problem.field_path)}: {problem.message}",
                    location=Location(path=found.path, line=found.line(problem.field_path),
                                      field_path=problem.field_path))
            for problem in expansion.problems]


def _field(path: FieldPath) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _rebased_finding(finding: Finding, found: FoundObject, prefix: FieldPath) -> Finding:
    """A finding about a generated Application's field, naming the template's field."""
    location = finding.location
    if location.path != found.path or not location.field_path \
            or location.field_path[:len(prefix)] == prefix:
        return finding
    return dataclasses.replace(finding, location=dataclasses.replace(
        location, field_path=(*prefix, *location.field_path), field_key=""))


def _rebased(target: Target, found: FoundObject, prefix: FieldPath, owner: str,
             generator_files: tuple[str, ...]) -> Target:
    """``target`` with its inline values' fields written where they are: in the
    ApplicationSet's template; its agent object naming the ApplicationSet; the files the
    generators read among its inputs (a change to one changes what is generated)."""
    def rebase(value: Any) -> Any:
        if isinstance(value, ValueSource):
            if value.path == found.path and value.index == found.index \
                    and value.field[:len(prefix)] != prefix:
                return dataclasses.replace(value, field=(*prefix, *value.field))
            return value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: rebase(getattr(value, f.name)) for f in dataclasses.fields(value)}
            changed = {k: v for k, v in changes.items() if v is not getattr(value, k)}
            return dataclasses.replace(value, **changed) if changed else value
        if isinstance(value, tuple):
            items = tuple(rebase(v) for v in value)
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if isinstance(value, Mapping) and any(isinstance(v, ValueSource) for v in value.values()):
            return {k: rebase(v) for k, v in value.items()}
        return value

    rebased: Target = rebase(target)
    if generator_files:
        rebased = dataclasses.replace(
            rebased, inputs=(*rebased.inputs, *(f for f in generator_files if f not in rebased.inputs)),
            plan_inputs=(*rebased.plan_inputs,
                         *(f for f in generator_files if f not in rebased.plan_inputs)))
    if rebased.agent is not None and not rebased.agent.generated_by:
        rebased = dataclasses.replace(rebased, agent=dataclasses.replace(rebased.agent,
                                                                         generated_by=owner))
    return rebased
