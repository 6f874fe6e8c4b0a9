"""Rendering a Helm target with ``helm template``, mapped back to its templates.

No network: dependencies must be vendored under ``charts/`` or come from an allowlisted
repository, fetched before the render (:mod:`validator.charts.umbrella`; any other is a
finding on ``Chart.yaml``; ``helm dependency build`` is never run), Helm's cache,
config and data homes are a fresh temporary directory, and symlinks leaving the
repository are refused. Helm does not validate values itself
(``--skip-schema-validation``): the chart's ``values.schema.json`` is checked in process,
where no reference may leave it (:mod:`validator.render.helm_values_schema`). A template
error becomes a finding on the template's line.
A chart that may call random or time functions is rendered twice and stabilised
(:mod:`validator.render.helm_random`); Helm test hooks are set aside as skipped
(:mod:`validator.render.helm_hooks`) unless ``include_helm_tests`` is set.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from validator.charts.umbrella import prepare_chart
from validator.errors import CommandError
from validator.load import load_bytes
from validator.model import Engine, Finding, Location, Severity
from validator.process import Command, run
from validator.render.cache import CachedRender, cached_render, render_key, repeatable_failure
from validator.render.helm_hooks import without_test_hooks
from validator.render.helm_map import HelmLocator, document_sources, template_path
from validator.render.helm_random import ChartFunctions, chart_functions, stabilise
from validator.render.helm_time import fixed_times, utc_now
from validator.render.helm_values_schema import check_values_schema
from validator.render.namespaces import cluster_scoped_crds, in_release_namespace
from validator.render.paths import escaping_symlinks, inside_root, repo_relative
from validator.render.sandbox_findings import memory_finding, network_finding
from validator.render.screen import screen_inputs
from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target
from validator.tools import Tool, require_tool

#: ``(chart/templates/x.yaml:12)``, ``template: chart/templates/x.yaml:12:20:`` and the like.
_TEMPLATE_ERROR = re.compile(r"(?P<file>[\w.-]+/(?:charts/[\w.-]+/)*templates/[^\s:()\"]+)"
                             r"(?::(?P<line>\d+))?")


def render_helm(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Template ``target``; refusals and template errors become findings."""
    root = root.absolute()
    chart = root / target.path
    problems = [_finding(repo_relative(root, link), 0, "render/symlink-escape",
                         f"{repo_relative(root, link)} is a symlink leaving the repository; "
                         f"chart {target.path} not rendered") if link.is_symlink() else
                _finding(repo_relative(root, link), 0, "load/limit",
                         f"{repo_relative(root, link)} is nested too deep to look into; "
                         f"chart {target.path} not rendered")
                for link in escaping_symlinks(root, chart)]
    problems += [_finding(v, 0, "render/outside-repository", "values file leaves the repository "
                          "or does not exist; refused")
                 for v in target.values_files
                 if not (root / v).is_file() or not inside_root(root, root / v)]
    target, missing = prepare_chart(root, target, settings.charts)  # fetched dependencies
    problems += missing
    if not problems:  # a symlink leaving the repository is never read
        problems += screen_inputs(root, target.inputs, settings.load_options.limits,
                                  target=f"chart {target.name}")
    files = len(target.inputs)
    if problems:
        return RenderResult(findings=tuple(problems), files_read=files, targets=1)
    functions = chart_functions(root, target.inputs)
    values_schema = check_values_schema(root, target.path, target.values_files, target=target.name)
    rendered = cached_render(
        lambda: render_key(target, root=root, tool=Tool.HELM, folders=(target.path,),
                           files=target.values_files, options=(
                               "helm template", settings.kubernetes_version)),
        settings, lambda: _run_helm(target, root=root, settings=settings, functions=functions))
    if rendered.findings or not rendered.outputs:
        return RenderResult(findings=(*rendered.findings, *values_schema.findings),
                            skipped=values_schema.skipped, files_read=files, targets=1)
    clock = rendered.context.get("clock")
    result = _documents(list(rendered.outputs), target, root, settings,
                        clock=datetime.fromisoformat(clock) if clock else None)
    return replace(result, findings=(*result.findings, *values_schema.findings),
                   skipped=(*result.skipped, *values_schema.skipped), files_read=files, targets=1)


def _documents(outputs: list[bytes], target: Target, root: Path, settings: RenderSettings,
               *, clock: datetime | None) -> RenderResult:
    """The objects of one render (two when random), stabilised, test hooks set aside."""
    text = outputs[0].decode("utf-8", "replace")
    locator = HelmLocator(root=root, chart=target.path, sources=document_sources(text),
                          values=(f"{target.path}/values.yaml", *target.values_files))
    chart_file = f"{target.path}/Chart.yaml"
    renders = [load_bytes(output, display_path=chart_file, options=settings.load_options,
                          locator=locator, render_of=f"helm chart {target.name}")
               for output in outputs]
    first, *rest = ([replace(d, path=locator.source_path(d.index), target=target.name,
                             body=d.body if clock is None else fixed_times(d.body, clock=clock))
                     for d in loaded.documents] for loaded in renders)
    for document in first:
        locator.register(document.index, document.body)  # the kind chooses a template section
    findings = list(renders[0].findings)  # the loader put output problems on their template
    if rest:
        stable = stabilise(first, rest[0], target=target.name, chart_file=chart_file)
        first, findings = list(stable.documents), findings + list(stable.findings)
    cluster_scoped = cluster_scoped_crds(first)
    first = [in_release_namespace(d, target.namespace, cluster_scoped) for d in first]
    documents, hooks = ((tuple(first), ()) if settings.include_helm_tests
                        else without_test_hooks(first, target=target.name))
    return RenderResult(documents=documents, findings=tuple(findings),
                        skipped=renders[0].skipped + hooks, expansion=renders[0].expansion)


def _run_helm(target: Target, *, root: Path, settings: RenderSettings,
              functions: ChartFunctions) -> CachedRender:
    """The raw output of ``helm template`` (twice for a chart that may be random, with the
    clock its times are fixed against), or the template error as a finding."""
    with tempfile.TemporaryDirectory(prefix="gitops-validator-helm-") as tmp:
        command = helm_command(target, root=root, settings=settings, home=Path(tmp))
        try:
            outputs = [run(command).stdout]
            if functions.random or functions.time:  # a second render shows what is random
                outputs.append(run(command).stdout)
        except CommandError as exc:  # a timeout or an oversized output may pass next time
            return CachedRender(findings=(_failure(exc, target, root),),
                                cacheable=repeatable_failure(exc))
    context = {"clock": utc_now().isoformat()} if functions.time else {}
    return CachedRender(outputs=tuple(outputs), context=context)


def helm_command(target: Target, *, root: Path, settings: RenderSettings, home: Path) -> Command:
    """The ``helm template`` command for ``target``, with Helm's homes under ``home``."""
    chart = target.helm.chart_root if target.helm and target.helm.chart_root else root / target.path
    args = [str(require_tool(Tool.HELM)), "template", target.release_name,
            str(chart), "--namespace", target.namespace, "--include-crds",
            "--kube-version", settings.kubernetes_version,
            "--skip-schema-validation"]  # values.schema.json is checked in process (no $ref fetching)
    for values in target.values_files:
        args += ["--values", str(root / values)]
    env = {"HOME": str(home), "HELM_CACHE_HOME": f"{home}/cache",
           "HELM_CONFIG_HOME": f"{home}/config", "HELM_DATA_HOME": f"{home}/data",
           "HELM_PLUGINS": f"{home}/plugins"}
    return Command(args=tuple(args), cwd=home, env=env, timeout=settings.timeout,
                   max_output=settings.max_output_bytes, memory_limit=settings.memory_limit,
                   isolate_network=True)


def _failure(exc: CommandError, target: Target, root: Path) -> Finding:
    """The finding for a failed ``helm template``: the sandbox's limits first."""
    what = f"helm template ({target.name})"
    chart = f"{target.path}/Chart.yaml"
    schema = f"{target.path}/values.schema.json"
    asked = schema if "specifications of the schema" in exc.stderr and (root / schema).is_file() \
        else chart
    return (memory_finding(exc, what=what, path=chart)
            or network_finding(exc, what=what, path=asked, root=root, inputs=target.inputs)
            or _template_error(exc, target, root))


def _template_error(exc: CommandError, target: Target, root: Path) -> Finding:
    text = exc.stderr or str(exc)
    lines = [line.removeprefix("Error: ") for line in text.splitlines()
             if line.strip() and not line.startswith("Use --debug")]
    message = (lines[-1] if lines else str(exc)).replace(str(root) + "/", "")
    real_root = os.path.realpath(root)
    match = _TEMPLATE_ERROR.search(text)
    if match:
        path = template_path(target.path, match.group("file"), root)
        line = int(match.group("line") or 0)
        if message.startswith("YAML parse error"):
            line = 0  # the line helm names is in the rendered text, not in the template
        return _finding(path, line, "render/helm-template-error",
                        f"helm template ({target.name}) failed: {message}")
    for candidate in re.finditer(rf"(?:{re.escape(str(root))}|{re.escape(real_root)})/(\S+?):",
                                 text):
        if (root / candidate.group(1)).is_file():
            line_match = re.search(r"line (\d+)", text[candidate.end():])
            return _finding(candidate.group(1), int(line_match.group(1)) if line_match else 0,
                            "render/helm-failed", f"helm template ({target.name}) failed: "
                            f"{message.replace(real_root + '/', '')}")
    values = re.search(r"cannot load (\S+?\.ya?ml): .*?line (\d+)", text)
    if values and (root / target.path / values.group(1)).is_file():  # the chart's own values.yaml
        return _finding(f"{target.path}/{values.group(1)}", int(values.group(2)), "render/helm-failed",
                        f"helm template ({target.name}) failed: {message}")
    return _finding(f"{target.path}/Chart.yaml", 0, "render/helm-failed",
                    f"helm template ({target.name}) failed: {message}")


def _finding(path: str, line: int, rule: str, message: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.RENDER,
                   location=Location(path=path, line=line))

