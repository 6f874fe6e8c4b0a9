"""A Flux ``HelmRelease`` (helm.toolkit.fluxcd.io/v2) read into the chart target it installs.

The chart is ``spec.chart.spec`` (``chart``, ``version``, ``sourceRef``, ``valuesFiles``)
or the ``HelmChart`` / ``OCIRepository`` that ``spec.chartRef`` names. A chart in a
``GitRepository`` of this repository is a Helm target at its repository-relative folder,
with ``valuesFiles`` (relative to the repository root, as source-controller reads them),
then ``valuesFrom`` ConfigMap/Secret keys in order, then ``spec.values`` (the last wins),
each inline value keeping where it was written. A chart from a ``HelmRepository`` or an
``OCIRepository`` cannot be fetched without network: it is a warning naming chart,
version and repository, and a skipped entry (:func:`_remote_chart`).

The release name is Flux's: ``releaseName``, else ``[targetNamespace-]name``, shortened
past 53 characters to 40 and a hash; the namespace ``targetNamespace`` or the object's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml

from validator.agents.flux_sources import (
    depends_on,
    entries,
    finding,
    mapping,
    not_rendered,
    own_source,
    referenced_data,
    repo_path,
    shown,
)
from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead
from validator.charts import ChartRequest, FetchedChart, fetch_chart
from validator.charts.model import NOT_ALLOWED
from validator.model import Finding, Severity
from validator.render.options import FieldPath, HelmOptions, InlineValues, ValueSource
from validator.render.paths import inside_root
from validator.render.targets import Target, TargetKind

UNIT = "HelmRelease chart"
_MAX_NAME = 53
_HASH = 12


@dataclass(frozen=True, kw_only=True)
class _Chart:
    """The chart spec a release installs, in the object that wrote it."""

    spec: Mapping[str, Any]
    holder: FoundObject
    """The HelmRelease, or the HelmChart its ``chartRef`` names."""
    field: FieldPath
    """Where ``spec`` is in ``holder``."""


@dataclass(frozen=True, kw_only=True)
class _Remote:
    """A chart in a Helm or OCI repository, as the fetch step asks for it."""

    repo_url: str
    """A Helm repository's URL, or ``oci://host/path`` (the chart is ``<repo_url>/<chart>``);
    empty when the repository object is not in the checked repository."""
    chart: str
    version: str
    digest: str = ""
    field: FieldPath
    """Where the HelmRelease names the chart."""
    named: str = ""
    """How the report names the repository when ``repo_url`` is unknown."""
    problems: tuple[Finding, ...] = ()
    """What of the chart spec is not applied to a fetched chart."""


def read_helm_release(found: FoundObject, context: AgentContext) -> AgentRead:
    """The target ``found`` (a HelmRelease) defines."""
    spec = mapping(found.body.get("spec"))
    chart = _chart(found, spec, context)
    if isinstance(chart, AgentRead):
        return chart
    chart_root = ""
    if isinstance(chart, _Remote):
        fetched = _remote_chart(found, chart, context)
        if isinstance(fetched, AgentRead):
            return fetched
        # rendered from the chart cache; the target's path is the object's file (no folder of
        # the repository is taken by it)
        folder, findings = found.path, list(chart.problems)
        values_files: list[str] = []
        missing: list[str] = []
        chart_root, holder = str(fetched.path), found.path
    else:
        local = _local_chart(found, chart, context)
        if isinstance(local, AgentRead):
            return local
        folder, values_files, missing, findings = local
        holder = chart.holder.path
    inline, read, problems = values_of(found, spec, context)
    agent = found.agent_object()
    install = mapping(spec.get("install"))
    target_namespace = str(spec.get("targetNamespace") or "")
    inputs = [found.path, holder, *context.chart_files.get(folder, ()), *values_files, *read]
    target = Target(
        kind=TargetKind.HELM, path=folder, name=str(agent), agent=agent,
        reason=f"{agent} ({agent.where}){depends_on(found, spec)}",
        release_name=release_name(found, spec),
        namespace=target_namespace or found.namespace or "default",
        values_files=tuple(values_files), inputs=tuple(dict.fromkeys(inputs)),
        helm=HelmOptions(inline_values=tuple(inline), include_crds=install.get("crds") != "Skip",
                         missing_values_files=tuple(missing), chart_root=chart_root))
    if spec.get("postRenderers"):
        findings.append(finding(found, ("spec", "postRenderers"), "post-renderers",
                                "postRenderers are not applied by gitops-validator: the "
                                "objects are checked as the chart renders them",
                                Severity.WARNING))
    return AgentRead(targets=(target,), findings=(*findings, *problems))


def release_name(found: FoundObject, spec: Mapping[str, Any]) -> str:
    """helm-controller's release name (``release.ShortenName`` of the composed one)."""
    name = str(spec.get("releaseName") or "")
    if not name:
        target_namespace = str(spec.get("targetNamespace") or "")
        name = f"{target_namespace}-{found.name}" if target_namespace else found.name
    if len(name) <= _MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH]
    return f"{name[:_MAX_NAME - _HASH - 1]}-{digest}"


def _chart(found: FoundObject, spec: Mapping[str, Any], context: AgentContext
           ) -> _Chart | _Remote | AgentRead:
    """The chart spec to read, or what to report when there is no local one."""
    if "chartRef" not in spec:
        chart = _Chart(spec=mapping(mapping(spec.get("chart")).get("spec")), holder=found,
                       field=("spec", "chart", "spec"))
        return _source(found, chart, context)
    ref = mapping(spec.get("chartRef"))
    kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
    namespace = str(ref.get("namespace") or found.namespace)
    source = context.index.get(kind, namespace, name) if kind in ("OCIRepository", "HelmChart") \
        else None
    if kind == "OCIRepository":
        oci = mapping(source.body.get("spec")) if source else {}
        ref_of = mapping(oci.get("ref"))
        url = str(oci.get("url") or "").rstrip("/")
        base, _, chart_name = url.rpartition("/")
        return _Remote(repo_url=base if url else "", chart=chart_name or name,
                       version=str(ref_of.get("tag") or ref_of.get("semver") or ""),
                       digest=str(ref_of.get("digest") or ""), field=("spec", "chartRef"),
                       named=f"OCIRepository {namespace}/{name} (not in the repository)")
    if source is None:
        return AgentRead(skipped=(not_rendered(
            found, UNIT, "not rendered: source not found", f"chartRef {kind} {namespace}/{name}",
            "it is not in the repository" if kind == "HelmChart" else "an unknown chartRef kind"),))
    chart = _Chart(spec=mapping(source.body.get("spec")), holder=source, field=("spec",))
    return _source(found, chart, context)


def _source(found: FoundObject, chart: _Chart, context: AgentContext) -> _Chart | _Remote | AgentRead:
    """``chart`` when its source is this repository; else what to report."""
    ref = mapping(chart.spec.get("sourceRef"))
    kind = str(ref.get("kind", ""))
    if kind == "HelmRepository":
        namespace = str(ref.get("namespace") or chart.holder.namespace)
        name = str(ref.get("name", ""))
        repository = context.index.get("HelmRepository", namespace, name)
        url = str(mapping(repository.body.get("spec")).get("url", "")) if repository else ""
        field = (*chart.field, "chart") if chart.holder is found else ("spec", "chartRef")
        problems = () if not chart.spec.get("valuesFiles") else (finding(
            found, (*chart.field, "valuesFiles"), "values-files-remote",
            "valuesFiles of a chart from a Helm repository (files inside the chart) are not "
            "applied", Severity.WARNING),)
        return _Remote(repo_url=url, chart=str(chart.spec.get("chart", "")),
                       version=str(chart.spec.get("version") or "*"), field=field,
                       named=f"HelmRepository {namespace}/{name} (not in the repository)",
                       problems=problems)
    not_own = own_source(chart.holder, ref, context)
    if not_own is None:
        return chart
    return AgentRead(skipped=(not_rendered(found, UNIT, not_own.group,
                                           f"chart {chart.spec.get('chart', '')}", not_own.why),))


def _remote_chart(found: FoundObject, remote: _Remote, context: AgentContext
                  ) -> FetchedChart | AgentRead:
    """A chart in a Helm or OCI repository, fetched by the remote-charts step
    (:mod:`validator.charts`: allowlisted repositories, pinned versions, the chart cache);
    what cannot be fetched is not rendered: the fetch step's finding (a warning naming
    chart, version and repository when the repository is not allowed) and a skipped entry."""
    request = ChartRequest(repo_url=remote.repo_url, chart=remote.chart, version=remote.version,
                           digest=remote.digest, path=found.path, line=found.line(remote.field))
    where = remote.repo_url or remote.named
    what = f"chart {remote.chart} {remote.version} from {where}".replace("  ", " ")
    if remote.repo_url and context.charts is not None:
        result = fetch_chart(request, context.charts)
        if isinstance(result, FetchedChart):
            return result
        problem = replace(result, message=shown(f"{found.agent_object()}: {result.message}"))
    else:
        problem = finding(found, remote.field, NOT_ALLOWED.removeprefix("agent/"),
                          f"{what} is not rendered: its repository is unknown (not in the "
                          "checked repository) or not in charts.repositories of "
                          ".gitops-validator.yaml", Severity.WARNING)
    why = "not fetched (" + problem.rule_id.removeprefix("agent/").replace("-", " ") + ")"
    return AgentRead(skipped=(not_rendered(found, UNIT, "not rendered: remote chart", what, why),),
                     findings=(problem,))


def _local_chart(found: FoundObject, chart: _Chart, context: AgentContext
                 ) -> tuple[str, list[str], list[str], list[Finding]] | AgentRead:
    """The chart folder, its values files, the missing ones let pass, and findings."""
    holder, spec = chart.holder, chart.spec
    folder = repo_path(spec.get("chart"))
    if folder is None or not inside_root(context.root, context.root / folder):
        return AgentRead(findings=(finding(holder, (*chart.field, "chart"), "path-outside",
                                           f"chart {spec.get('chart')} leaves the repository; "
                                           "not rendered"),))
    if folder not in context.chart_files:
        return AgentRead(findings=(finding(holder, (*chart.field, "chart"), "chart-missing",
                                           f"chart {spec.get('chart')} is not a chart folder of "
                                           "the repository (no Chart.yaml)"),))
    named = [(spec["valuesFile"], (*chart.field, "valuesFile"))] if spec.get("valuesFile") else []
    listed = spec.get("valuesFiles")  # not a list (a string, read letter by letter): the schema's
    named += [(raw, (*chart.field, "valuesFiles", i))
              for i, raw in enumerate(listed if isinstance(listed, list) else ())]
    values_files: list[str] = []
    missing: list[str] = []
    findings: list[Finding] = []
    for raw, field in named:
        path = repo_path(raw)
        if path is None or not inside_root(context.root, context.root / path):
            findings.append(finding(holder, field, "path-outside",
                                    f"values file {raw} leaves the repository; not used"))
        elif (context.root / path).is_file():
            values_files.append(path)
        elif spec.get("ignoreMissingValuesFiles"):
            missing.append(path)
        else:
            findings.append(finding(holder, field, "values-file-missing",
                                    f"values file {raw} is not in the repository "
                                    "(source-controller fails the chart)"))
    return folder, values_files, missing, findings


def values_of(found: FoundObject, spec: Mapping[str, Any], context: AgentContext
              ) -> tuple[list[InlineValues], list[str], list[Finding]]:
    """``valuesFrom`` in order then ``spec.values``; the files read; the problems."""
    inline: list[InlineValues] = []
    read: list[str] = []
    problems: list[Finding] = []
    for index, entry in enumerate(entries(spec.get("valuesFrom"))):
        where: FieldPath = ("spec", "valuesFrom", index)
        kind, name = str(entry.get("kind", "")), str(entry.get("name", ""))
        key, target_path = str(entry.get("valuesKey") or "values.yaml"), str(entry.get("targetPath") or "")
        data = referenced_data(found, context, entry, where, field_name="valuesFrom",
                               controller="helm-controller", problems=problems, read=read)
        if data is None:
            continue
        if data.encrypted:
            problems.append(finding(found, where, "values-from-encrypted",
                                    f"valuesFrom {kind} {name} is SOPS-encrypted: its values are "
                                    "not known before the cluster decrypts it; not used",
                                    Severity.WARNING))
            continue
        if key not in data.values:  # optional covers "not found" only
            problems.append(finding(found, (*where, "valuesKey"), "values-from-key-missing",
                                    f"valuesFrom {kind} {name} has no key {key} (helm-controller "
                                    "fails, optional or not)"))
            continue
        text, source = data.values[key][0], data.source(key)
        if target_path:
            inline.append(InlineValues(values={target_path: text}, source=source,
                                       target_path=target_path))
            continue
        parsed = _values(text)
        if parsed is None:
            problems.append(finding(found, where, "values-from-invalid",
                                    f"valuesFrom {kind} {name} key {key} is not a YAML mapping; "
                                    "not used"))
            continue
        inline.append(InlineValues(values=parsed, source=source))
    values = spec.get("values")
    if isinstance(values, Mapping) and values:
        inline.append(InlineValues(values=values, source=ValueSource(
            path=found.path, index=found.index, field=("spec", "values"))))
    return inline, read, problems


def _values(text: str) -> Mapping[str, Any] | None:
    try:
        parsed = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    if parsed is None:
        return {}
    return parsed if isinstance(parsed, Mapping) else None
