"""Rendering a Helm target with ``helm template``, mapped back to its templates.

No network: dependencies must be vendored under ``charts/`` (a missing one is a
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
from typing import Any

from validator.charts.umbrella import prepare_chart
from validator.errors import CommandError
from validator.load import load_bytes
from validator.model import Engine, Finding, Location, Severity
from validator.process import Command, run
from validator.render.cache import CachedRender, cached_render, render_key, repeatable_failure
from validator.render.helm_fetched import (
    FetchedChart,
    chart_files,
    fetched_chart,
    fetched_key,
    onto_object,
)
from validator.render.helm_hooks import without_test_hooks
from validator.render.helm_map import HelmLocator, document_sources, template_path
from validator.render.helm_options import (
    helm_option_args,
    kube_version,
    layers,
    missing_values_notes,
    option_problems,
    passes_set,
    values_argument,
)
from validator.render.helm_random import ChartFunctions, chart_functions, stabilise
from validator.render.helm_set_values import (
    PROBE_TEMPLATE,
    may_have_values_schema,
    probed_values,
    write_probe_chart,
)
from validator.render.helm_time import fixed_times, utc_now
from validator.render.helm_values_schema import check_values_schema
from validator.render.namespaces import cluster_scoped_crds, in_release_namespace
from validator.render.paths import escaping_symlinks, inside_root, repo_relative
from validator.render.sandbox_findings import memory_finding, network_finding
from validator.render.screen import screen_inputs
from validator.render.settings import RenderResult, RenderSettings
from validator.render.sourcemap import SourceFiles, parse_text
from validator.render.targets import Target
from validator.tools import Tool, require_tool

#: ``(chart/templates/x.yaml:12)``, ``template: chart/templates/x.yaml:12:20:`` and the like.
_TEMPLATE_ERROR = re.compile(r"(?P<file>[\w.-]+/(?:charts/[\w.-]+/)*templates/[^\s:()\"]+)"
                             r"(?::(?P<line>\d+))?")


def render_helm(target: Target, *, root: Path, settings: RenderSettings) -> RenderResult:
    """Template ``target``; refusals and template errors become findings."""
    root = root.absolute()
    fetched = fetched_chart(target)
    missing: list[Finding] = []
    if fetched is None:  # a chart of the repository: dependencies from allowlisted repositories
        target, missing = prepare_chart(root, target, settings.charts)
    problems = missing + _refusals(target, root, fetched, settings)
    files = len(target.inputs)
    if problems:
        return RenderResult(findings=tuple(problems), files_read=files, targets=1)
    notes = missing_values_notes(target)
    chart_root, chart = (fetched.folder, ".") if fetched else (root, target.path)
    values_files = _values_files(target, root, fetched)
    functions = chart_functions(chart_root, chart_files(fetched) if fetched else target.inputs)
    parameters = target.helm.parameters if target.helm else ()
    values_schema = check_values_schema(chart_root, chart, values_files, target=target.name,
                                        layers=layers(target.helm), parameters=parameters,
                                        sources_root=root,
                                        user_values=_set_values(target, root, settings,
                                                                chart=chart_root / chart))
    schema_findings = tuple(onto_object(f, fetched, root) for f in values_schema.findings)
    rendered = cached_render(
        lambda: render_key(target, root=root, tool=Tool.HELM,
                           folders=() if fetched else (target.path,),
                           files=(*target.values_files, *_file_parameters(target)), options=(
                               "helm template", settings.kubernetes_version,
                               fetched_key(fetched))),
        settings, lambda: _run_helm(target, root=root, settings=settings, functions=functions))
    if rendered.findings or not rendered.outputs:
        return RenderResult(
            findings=(*(onto_object(f, fetched, root) for f in rendered.findings),
                      *schema_findings),
            skipped=(*notes, *values_schema.skipped), files_read=files, targets=1)
    clock = rendered.context.get("clock")
    result = _documents(list(rendered.outputs), target, root, settings, fetched=fetched,
                        clock=datetime.fromisoformat(clock) if clock else None)
    return replace(result, findings=(*result.findings, *schema_findings),
                   skipped=(*notes, *result.skipped, *values_schema.skipped), files_read=files,
                   targets=1)


def _refusals(target: Target, root: Path, fetched: FetchedChart | None,
              settings: RenderSettings) -> list[Finding]:
    """What keeps the chart from being rendered at all: links leaving the repository (or the
    fetched chart), values files outside it, options helm must not get, missing dependencies,
    inputs over the load limits."""
    chart_root = fetched.folder if fetched else root
    chart = chart_root if fetched else root / target.path
    shown = fetched.folder.name if fetched else target.path
    leaving = "chart" if fetched else "repository"
    problems = [_finding(repo_relative(chart_root, link), 0, "render/symlink-escape",
                         f"{repo_relative(chart_root, link)} is a symlink leaving the {leaving}; "
                         f"chart {shown} not rendered")
                if link.is_symlink() else
                _finding(repo_relative(chart_root, link), 0, "load/limit",
                         f"{repo_relative(chart_root, link)} is nested too deep to look into; "
                         f"chart {shown} not rendered")
                for link in escaping_symlinks(chart_root, chart)]
    problems = [onto_object(p, fetched, root, in_chart=True) for p in problems]
    problems += [_finding(v, 0, "render/outside-repository", "values file leaves the repository "
                          "or does not exist; refused")
                 for v in target.values_files
                 if not (root / v).is_file() or not inside_root(root, root / v)]
    problems += option_problems(root, target, SourceFiles(root))
    if fetched:  # a repository chart's dependencies are prepare_chart's
        problems += [onto_object(p, fetched, root, in_chart=True)
                     for p in _missing_dependencies(chart_root, ".")]
    if not problems:  # a symlink leaving the repository is never read
        problems += screen_inputs(root, target.inputs, settings.load_options.limits,
                                  target=f"chart {target.name}")
        if fetched:
            problems += [onto_object(p, fetched, root, in_chart=True) for p in screen_inputs(
                chart_root, chart_files(fetched), settings.load_options.limits,
                target=f"chart {target.name}")]
    return problems


def _values_files(target: Target, root: Path, fetched: FetchedChart | None) -> tuple[str, ...]:
    """The target's values files as the chart's root sees them (absolute for a fetched chart)."""
    return tuple(str(root / v) for v in target.values_files) if fetched else target.values_files


def _file_parameters(target: Target) -> tuple[str, ...]:
    """Repository files ``--set-file`` reads (their content is part of the cache key)."""
    return tuple(p.value for p in target.helm.parameters if p.from_file) if target.helm else ()


def _documents(outputs: list[bytes], target: Target, root: Path, settings: RenderSettings,
               *, fetched: FetchedChart | None, clock: datetime | None) -> RenderResult:
    """The objects of one render (two when random), stabilised, test hooks set aside."""
    text = outputs[0].decode("utf-8", "replace")
    defaults = "./values.yaml" if fetched else f"{target.path}/values.yaml"
    locator = HelmLocator(root=root, chart=target.path, sources=document_sources(text),
                          values=(defaults, *_values_files(target, root, fetched)),
                          layers=layers(target.helm),
                          parameters=target.helm.parameters if target.helm else (),
                          fetched=fetched)
    chart_file = fetched.path if fetched else f"{target.path}/Chart.yaml"
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


def _set_values(target: Target, root: Path, settings: RenderSettings, *, chart: Path
                ) -> dict[str, Any] | None:
    """The user-supplied values as helm merges them, when ``--set`` arguments take part and the
    chart may have a values schema (:mod:`validator.render.helm_set_values`); None otherwise
    or when helm refuses them (the render reports why)."""
    options = target.helm
    if options is None or not passes_set(options) or not may_have_values_schema(chart):
        return None

    def probe() -> CachedRender:
        with tempfile.TemporaryDirectory(prefix="gitops-validator-helm-") as tmp:
            chart = write_probe_chart(Path(tmp))
            # the same command with the probe chart in place of the target's: same values
            # files, inline values and --set arguments, same sandbox
            probing = replace(target, helm=replace(options, chart_root=str(chart)))
            try:
                return CachedRender(outputs=(run(helm_command(
                    probing, root=root, settings=settings, home=Path(tmp))).stdout,))
            except CommandError as exc:
                return CachedRender(cacheable=repeatable_failure(exc))

    probed = cached_render(
        lambda: render_key(target, root=root, tool=Tool.HELM,
                           files=(*target.values_files, *_file_parameters(target)),
                           options=("values probe", PROBE_TEMPLATE)), settings, probe)
    return probed_values(probed.outputs[0]) if probed.outputs else None


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
    """The ``helm template`` command for ``target``, with Helm's homes under ``home`` (an agent
    object's inline values are written there: :func:`helm_option_args`)."""
    helm = target.helm
    chart = Path(helm.chart_root) if helm is not None and helm.chart_root else root / target.path
    args = [str(require_tool(Tool.HELM)), "template", f"--namespace={target.namespace}",
            f"--kube-version={kube_version(target.helm, settings.kubernetes_version)}",
            "--skip-schema-validation"]  # values.schema.json is checked in process (no $ref fetching)
    for values in target.values_files:
        args.append(values_argument(root / values))
    args += helm_option_args(root, target.helm, home)
    # after "--" the release name (free text in an agent object) can never be read as a flag
    args += ["--", target.release_name, str(chart)]
    env = {"HOME": str(home), "HELM_CACHE_HOME": f"{home}/cache",
           "HELM_CONFIG_HOME": f"{home}/config", "HELM_DATA_HOME": f"{home}/data",
           "HELM_PLUGINS": f"{home}/plugins"}
    return Command(args=tuple(args), cwd=home, env=env, timeout=settings.timeout,
                   max_output=settings.max_output_bytes, memory_limit=settings.memory_limit,
                   isolate_network=True)


def _missing_dependencies(root: Path, chart: str) -> list[Finding]:
    """Findings on Chart.yaml for dependencies not vendored under charts/."""
    path = f"{chart}/Chart.yaml"
    try:
        source = parse_text((root / path).read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError):
        return [_finding(path, 0, "render/helm-failed", "cannot read Chart.yaml")]
    meta = source.bodies[0] if source.bodies else None
    dependencies = meta.get("dependencies") if isinstance(meta, dict) else None
    vendored = root / chart / "charts"
    findings = []
    for i, dependency in enumerate(dependencies if isinstance(dependencies, list) else ()):
        name = dependency.get("name") if isinstance(dependency, dict) else None
        if not isinstance(name, str):
            continue
        if (vendored / name / "Chart.yaml").is_file() or any(vendored.glob(f"{name}-*.tgz")):
            continue
        line = source.locator.locate(0, ("dependencies", i)).line
        findings.append(_finding(path, line, "render/helm-dependency-missing",
                                 f"dependency {name!r} is not vendored under {chart}/charts/; "
                                 "rendering uses no network: run `helm dependency build` and "
                                 "commit the chart archive"))
    return findings


def _failure(exc: CommandError, target: Target, root: Path) -> Finding:
    """The finding for a failed ``helm template``: the sandbox's limits first (a fetched
    chart's on the agent object's line)."""
    fetched = fetched_chart(target)
    what = f"helm template ({target.name})"
    if fetched:
        chart, in_chart = "./Chart.yaml", fetched.folder
        found = memory_finding(exc, what=what, path=chart) or _template_error(
            exc, replace(target, path="."), in_chart)
        return onto_object(found, fetched, root, in_chart=True)
    if target.agent and "invalid release name" in exc.stderr:  # the object named it
        return replace(_template_error(exc, target, root), location=Location(
            path=target.agent.path, line=target.agent.line))
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

