"""Helm targets an agent object defines: its options reach ``helm template`` (real helm), and
what an inline value causes is reported on the agent object's line."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.render.helpers import write
from validator.agents.model import AgentObject
from validator.defaults import DEFAULT_KUBERNETES_VERSION
from validator.process import Command, run
from validator.render.cache import render_key
from validator.render.helm import render_helm
from validator.render.options import HelmOptions, HelmParameter, InlineValues, ValueSource
from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target, TargetKind
from validator.tools import Tool, require_tool

CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
VALUES = """\
replicas: 1
hostNetwork: false
port: 80
labels:
  tier: back
image:
  repository: web
  tag: "1.0"
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      hostNetwork: {{ .Values.hostNetwork }}
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
CAPABILITIES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: caps
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  widget: {{ .Capabilities.APIVersions.Has "example.com/v1/Widget" | quote }}
  portKind: {{ kindOf .Values.port | quote }}
  port: {{ .Values.port | quote }}
  config: {{ .Values.config | default "" | quote }}
  password: {{ (.Values.db | default dict).password | default "" | quote }}
"""
CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object}
"""
SCHEMA = {"type": "object", "properties": {
    "replicas": {"type": "integer", "maximum": 3},
    "image": {"type": "object", "properties": {"tag": {"type": "string", "pattern": "^1\\."}}}}}
APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  source:
    repoURL: https://example.com/repo.git
    path: charts/web
    helm:
      valueFiles: [values-prod.yaml]
      valuesObject:
        replicas: 2
        labels:
          tier: front
        hostNetwork: true
        image:
          tag: "2.0"
      parameters:
        - name: image.repository
          value: registry.example.com/web
        - name: port
          value: "8080"
          forceString: true
      fileParameters:
        - name: config
          path: files/config.txt
"""
#: Argo CD's ``helm.values``: a YAML string (``valuesObject`` replaces it when both are set).
VALUES_STRING = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  source:
    helm:
      values: |
        # comments count as lines of the block
        replicas: 2

        labels:
          tier: front
    path: charts/web
  other:
    values: "replicas: 2"
"""
HELM = ("spec", "source", "helm")
APP = "apps/web.yaml"
HOST_NETWORK = ("spec", "template", "spec", "hostNetwork")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "charts/web/Chart.yaml", CHART)
    write(root, "charts/web/values.yaml", VALUES)
    write(root, "charts/web/values-prod.yaml", "replicas: 3\n")
    write(root, "charts/web/templates/deployment.yaml", DEPLOYMENT)
    write(root, "charts/web/templates/caps.yaml", CAPABILITIES)
    write(root, "charts/web/crds/widget.yaml", CRD)
    write(root, "files/config.txt", "line one\n")
    write(root, APP, APPLICATION)
    return root


def application_values() -> tuple[InlineValues, ...]:
    """The Application's ``valuesObject``, as the Argo CD reader gives it."""
    helm = yaml.safe_load(APPLICATION)["spec"]["source"]["helm"]
    return (InlineValues(values=helm["valuesObject"],
                         source=ValueSource(path=APP, index=0, field=(*HELM, "valuesObject"))),)


def application_parameters() -> tuple[HelmParameter, ...]:
    return (HelmParameter(name="image.repository", value="registry.example.com/web",
                          source=ValueSource(path=APP, index=0, field=(*HELM, "parameters", 0))),
            HelmParameter(name="port", value="8080", force_string=True,
                          source=ValueSource(path=APP, index=0, field=(*HELM, "parameters", 1))),
            HelmParameter(name="config", value="files/config.txt", from_file=True,
                          source=ValueSource(path=APP, index=0, field=(*HELM, "fileParameters", 0))))


def target(options: HelmOptions | None, **changes: Any) -> Target:
    agent = AgentObject(kind="Application", namespace="argocd", name="web", path=APP, line=1)
    made = Target(kind=TargetKind.HELM, path="charts/web", name=str(agent),
                  reason=f"{agent} ({agent.where})", release_name="web", namespace="shop",
                  values_files=("charts/web/values-prod.yaml",), agent=agent, helm=options,
                  inputs=(APP, "charts/web/Chart.yaml", "charts/web/values.yaml",
                          "charts/web/values-prod.yaml", "charts/web/templates/deployment.yaml",
                          "charts/web/templates/caps.yaml", "charts/web/crds/widget.yaml",
                          "files/config.txt"))
    return replace(made, **changes)


def render(root: Path, made: Target, **settings: Any) -> RenderResult:
    return render_helm(made, root=root, settings=RenderSettings(**settings))


def bodies(result: RenderResult) -> list[Any]:
    return sorted((d.body for d in result.documents), key=lambda b: json.dumps(b, sort_keys=True))


def helm_by_hand(root: Path, home: Path, *flags: str) -> list[Any]:
    """``helm template`` run directly, with the flags an Argo CD user would write."""
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "HELM_CACHE_HOME": f"{home}/c", "HELM_CONFIG_HOME": f"{home}/f",
           "HELM_DATA_HOME": f"{home}/d"}
    args = (str(require_tool(Tool.HELM)), "template", "web", str(root / "charts/web"),
            "--namespace", "shop", "--skip-schema-validation", *flags)
    output = run(Command(args=args, cwd=home, env=env)).stdout
    found = [body for body in yaml.safe_load_all(output) if body]
    for body in found:  # the validator sets the release namespace on objects without one
        if body["kind"] in ("ConfigMap", "Deployment"):
            body["metadata"].setdefault("namespace", "shop")
    return sorted(found, key=lambda b: json.dumps(b, sort_keys=True))


def test_options_render_what_helm_renders_with_the_same_flags(root: Path, tmp_path: Path) -> None:
    options = HelmOptions(inline_values=application_values(), parameters=application_parameters(),
                          include_crds=False, kube_version="1.29.3",
                          api_versions=("example.com/v1/Widget",))
    result = render(root, target(options))
    assert result.findings == (), result.findings
    inline = tmp_path / "inline.yaml"
    inline.write_text(yaml.safe_dump(yaml.safe_load(APPLICATION)["spec"]["source"]["helm"][
        "valuesObject"]))
    expected = helm_by_hand(
        root, tmp_path / "home", "--values", str(root / "charts/web/values-prod.yaml"),
        "--values", str(inline), "--set", "image.repository=registry.example.com/web",
        "--set-string", "port=8080", "--set-file", f"config={root / 'files/config.txt'}",
        "--kube-version", "1.29.3", "--api-versions", "example.com/v1/Widget")
    assert bodies(result) == expected
    caps = next(d.body["data"] for d in result.documents if d.kind == "ConfigMap")
    assert caps == {"kube": "v1.29.3", "widget": "true", "portKind": "string", "port": "8080",
                    "config": "line one\n", "password": ""}
    deployment = next(d.body for d in result.documents if d.kind == "Deployment")
    assert deployment["spec"]["replicas"] == 2  # the inline values come after the values files
    assert deployment["metadata"]["labels"] == {"tier": "front"}


def test_without_options_capabilities_are_the_runs(root: Path) -> None:
    result = render(root, target(None), kubernetes_version="1.30.0")
    caps = next(d.body["data"] for d in result.documents if d.kind == "ConfigMap")
    assert (caps["kube"], caps["widget"], caps["portKind"]) == ("v1.30.0", "false", "float64")
    assert [d.kind for d in result.documents].count("CustomResourceDefinition") == 1


def test_crds_are_left_out_when_the_object_skips_them(root: Path) -> None:
    kinds = [d.kind for d in render(root, target(HelmOptions(include_crds=False))).documents]
    assert "CustomResourceDefinition" not in kinds
    assert "Deployment" in kinds
    kinds = [d.kind for d in render(root, target(HelmOptions())).documents]
    assert "CustomResourceDefinition" in kinds


def test_an_inline_value_is_located_on_the_application_line(root: Path) -> None:
    options = HelmOptions(inline_values=application_values(), parameters=application_parameters())
    result = render(root, target(options))
    deployment = next(d for d in result.documents if d.kind == "Deployment")
    assert deployment.body["spec"]["template"]["spec"]["hostNetwork"] is True
    where = deployment.locate(HOST_NETWORK)
    assert (where.path, where.line) == (APP, line_of(APPLICATION, "hostNetwork: true"))
    where = deployment.locate(("metadata", "labels", "tier"))
    assert (where.path, where.line) == (APP, line_of(APPLICATION, "tier: front"))
    # a value no inline source sets is still on the values file or template
    assert deployment.locate(("spec", "selector")).path == "charts/web/templates/deployment.yaml"


def test_a_values_string_is_located_inside_its_block(root: Path) -> None:
    write(root, "apps/string.yaml", VALUES_STRING)
    block = yaml.safe_load(VALUES_STRING)["spec"]["source"]["helm"]["values"]
    inline = InlineValues(values=yaml.safe_load(block), source=ValueSource(
        path="apps/string.yaml", index=0, field=(*HELM, "values")))
    deployment = next(d for d in render(root, target(HelmOptions(inline_values=(inline,))))
                      .documents if d.kind == "Deployment")
    assert deployment.body["spec"]["replicas"] == 2
    for field, needle in [(("spec", "replicas"), "replicas: 2"),
                          (("metadata", "labels", "tier"), "tier: front")]:
        where = deployment.locate(field)
        assert (where.path, where.line) == ("apps/string.yaml", line_of(VALUES_STRING, needle))
    # a quoted string: its lines are not the file's lines, so the key's line
    quoted = replace(inline, source=replace(inline.source, field=("spec", "other", "values")))
    deployment = next(d for d in render(root, target(HelmOptions(inline_values=(quoted,))))
                      .documents if d.kind == "Deployment")
    where = deployment.locate(("spec", "replicas"))
    assert (where.path, where.line) == ("apps/string.yaml", line_of(VALUES_STRING, "other:") + 1)


def test_a_parameter_is_located_on_its_entry(root: Path) -> None:
    write(root, "charts/web/templates/deployment.yaml",
          DEPLOYMENT.replace('"{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
                             "{{ .Values.image.repository }}"))
    options = HelmOptions(inline_values=application_values(), parameters=application_parameters())
    deployment = next(d for d in render(root, target(options)).documents if d.kind == "Deployment")
    where = deployment.locate(("spec", "template", "spec", "containers", 0, "image"))
    assert (where.path, where.line) == (APP, line_of(APPLICATION, "- name: image.repository"))


def test_an_inline_value_breaking_the_values_schema_is_on_the_application_line(root: Path) -> None:
    write(root, "charts/web/values.schema.json", json.dumps(SCHEMA))
    options = HelmOptions(inline_values=application_values())
    findings = [f for f in render(root, target(options)).findings if f.rule_id == "schema/values"]
    assert [(f.location.path, f.location.line) for f in findings] == [
        (APP, line_of(APPLICATION, 'tag: "2.0"'))], findings
    # the same values file alone passes: the inline value is what breaks it
    assert [f for f in render(root, target(None)).findings if f.rule_id == "schema/values"] == []


def test_flux_target_path_sets_one_value(root: Path) -> None:
    write(root, "flux/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
          "stringData:\n  password: hunter2\n  port: '9090'\n")
    source = ValueSource(path="flux/secret.yaml", index=0, field=("stringData", "password"))
    port = ValueSource(path="flux/secret.yaml", index=0, field=("stringData", "port"))
    options = HelmOptions(inline_values=(
        InlineValues(values={"db.password": "hunter2"}, source=source, target_path="db.password"),
        InlineValues(values={"port": "9090"}, source=port, target_path="port")))
    result = render(root, target(options))
    caps = next(d for d in result.documents if d.kind == "ConfigMap")
    assert (caps.body["data"]["password"], caps.body["data"]["portKind"]) == ("hunter2", "int64")
    # Flux's parser splits at commas: helm-controller would fail the release
    options = HelmOptions(inline_values=(InlineValues(
        values={"db.password": "a,b"}, source=source, target_path="db.password"),))
    findings = render(root, target(options)).findings
    assert [(f.rule_id, f.location.path, f.location.line) for f in findings] == [
        ("agent/helm-target-path", "flux/secret.yaml", 6)], findings


@pytest.mark.parametrize("name", ["--post-renderer=/bin/sh", "a,b", "x=y", "", "a b", "-a"])
def test_a_parameter_name_cannot_smuggle_flags(root: Path, name: str) -> None:
    source = ValueSource(path=APP, index=0, field=(*HELM, "parameters", 0))
    options = HelmOptions(parameters=(HelmParameter(name=name, value="1", source=source),))
    result = render(root, target(options))
    assert result.documents == ()
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
        ("agent/helm-parameter", APP, line_of(APPLICATION, "- name: image.repository"))]


def test_a_value_starting_with_a_dash_is_a_value(root: Path) -> None:
    options = HelmOptions(parameters=(HelmParameter(name="db.password", value="--debug"),
                                      HelmParameter(name="config", value="a,b")))
    caps = next(d for d in render(root, target(options)).documents if d.kind == "ConfigMap")
    assert caps.body["data"]["password"] == "--debug"
    assert caps.body["data"]["config"] == "a,b"  # Argo CD escapes commas in values


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/hostname", "files/link.txt", "files/nope"])
def test_a_file_parameter_stays_inside_the_repository(root: Path, path: str) -> None:
    (root.parent / "outside.txt").write_text("SECRET\n")
    (root / "files/link.txt").symlink_to(root.parent / "outside.txt")
    source = ValueSource(path=APP, index=0, field=(*HELM, "fileParameters", 0))
    options = HelmOptions(parameters=(HelmParameter(name="config", value=path, from_file=True,
                                                    source=source),))
    result = render(root, target(options))
    assert result.documents == ()
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
        ("agent/helm-file-parameter", APP, line_of(APPLICATION, "- name: config"))]
    assert "SECRET" not in str(result)


def test_a_missing_values_file_is_ignored_with_a_note(root: Path) -> None:
    options = HelmOptions(missing_values_files=("charts/web/values-gone.yaml",))
    result = render(root, target(options))
    assert result.findings == ()
    notes = [s for s in result.skipped if s.path == "charts/web/values-gone.yaml"]
    assert len(notes) == 1, result.skipped
    assert "ignoreMissingValueFiles" in notes[0].reason
    assert f"Application argocd/web ({APP}:1)" in notes[0].reason


def test_every_option_is_part_of_the_cache_key(root: Path, tmp_path: Path) -> None:
    keys = set()
    variants = [None, HelmOptions(), HelmOptions(include_crds=False),
                HelmOptions(kube_version="1.29.0"), HelmOptions(api_versions=("a/v1",)),
                HelmOptions(inline_values=application_values()),
                HelmOptions(inline_values=(replace(application_values()[0], values={"a": 1}),)),
                HelmOptions(parameters=application_parameters()),
                HelmOptions(parameters=application_parameters()[:2]),
                HelmOptions(chart_root=str(tmp_path))]
    for options in variants:
        made = target(options)
        keys.add(render_key(made, root=root, tool=Tool.HELM, options=()))
    assert len(keys) == len(variants)
    # and through the cache, two targets of one chart with other options do not share a render
    cache = tmp_path / "cache"
    first = render(root, target(HelmOptions()), cache_dir=cache)
    second = render(root, target(HelmOptions(include_crds=False)), cache_dir=cache)
    assert len(first.documents) == len(second.documents) + 1
    # a --set-file's content counts too
    (root / "files/config.txt").write_text("line two\n")
    options = HelmOptions(parameters=application_parameters())
    again = render(root, target(options), cache_dir=cache)
    assert next(d for d in again.documents if d.kind == "ConfigMap").body["data"]["config"] == \
        "line two\n"


def test_a_chart_from_the_chart_cache_is_reported_on_the_object_line(root: Path,
                                                                     tmp_path: Path) -> None:
    fetched = tmp_path / "chart-cache" / "web-0.1.0" / "web"
    shutil.copytree(root / "charts/web", fetched)
    shutil.rmtree(root / "charts")
    (fetched / "values.schema.json").write_text(json.dumps(SCHEMA))
    made = target(HelmOptions(chart_root=str(fetched), inline_values=application_values()),
                  path="apps", values_files=(), inputs=(APP,))
    result = render(root, made)
    deployment = next(d for d in result.documents if d.kind == "Deployment")
    assert deployment.path == APP
    where = deployment.locate(("spec", "selector"))
    assert (where.path, where.line) == (APP, 1)
    where = deployment.locate(HOST_NETWORK)  # an inline value still lands on its line
    assert (where.path, where.line) == (APP, line_of(APPLICATION, "hostNetwork: true"))
    assert all(f.location.path == APP for f in result.findings), result.findings
    assert [f.location.line for f in result.findings if f.rule_id == "schema/values"] == [
        line_of(APPLICATION, 'tag: "2.0"')]
    # a template error in the fetched chart is on the object's line too
    (fetched / "templates/broken.yaml").write_text("kind: {{ .Values.x }\n")
    broken = render(root, made)
    errors = [f for f in broken.findings if f.rule_id.startswith("render/")]
    assert [(f.rule_id, f.location.path, f.location.line) for f in errors] == [
        ("render/helm-template-error", APP, 1)], broken.findings
    assert "templates/broken.yaml" in errors[0].message
    assert str(fetched) not in errors[0].message


def test_a_fetched_chart_may_not_link_outside_itself(root: Path, tmp_path: Path) -> None:
    fetched = tmp_path / "chart-cache" / "web"
    shutil.copytree(root / "charts/web", fetched)
    (tmp_path / "secret.yaml").write_text("SECRET: 1\n")
    (fetched / "templates/secret.yaml").symlink_to(tmp_path / "secret.yaml")
    made = target(HelmOptions(chart_root=str(fetched)), path="apps", values_files=(), inputs=(APP,))
    result = render(root, made)
    assert result.documents == ()
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("render/symlink-escape", APP)], result.findings



@pytest.mark.parametrize(("parameter", "broken"), [
    (HelmParameter(name="replicas", value="5"), True),
    (HelmParameter(name="replicas", value="2", force_string=True), True),  # a string
    (HelmParameter(name="replicas", value="2"), False),  # helm's parser makes it an integer
])
def test_a_parameter_breaking_the_values_schema_is_on_its_entry(
        root: Path, parameter: HelmParameter, broken: bool) -> None:
    write(root, "charts/web/values.schema.json", json.dumps(SCHEMA))
    source = ValueSource(path=APP, index=0, field=(*HELM, "parameters", 1))
    options = HelmOptions(parameters=(replace(parameter, source=source),))
    result = render(root, target(options))
    findings = [f for f in result.findings if f.rule_id == "schema/values"]
    expected = [(APP, line_of(APPLICATION, "- name: port"))] if broken else []
    assert [(f.location.path, f.location.line) for f in findings] == expected, findings
    assert result.documents


@pytest.mark.parametrize("field", ["release_name", "namespace"])
def test_a_release_name_or_namespace_is_never_a_flag(root: Path, tmp_path: Path,
                                                     field: str) -> None:
    canary = tmp_path / "post-renderer-ran"
    script = tmp_path / "post-renderer.sh"
    script.write_text(f"#!/bin/sh\ntouch {canary}\ncat\n")
    script.chmod(0o755)
    made = target(HelmOptions(), **{field: f"--post-renderer={script}"})
    result = render(root, made)
    assert not canary.exists()
    if field == "release_name":  # helm refuses it: on the object that named it
        assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
            ("render/helm-failed", APP, 1)], result.findings
        assert "invalid release name" in result.findings[0].message


def test_a_file_parameter_may_link_inside_the_repository(root: Path) -> None:
    (root / "files/link.txt").symlink_to("config.txt")
    options = HelmOptions(parameters=(HelmParameter(name="config", value="files/link.txt",
                                                    from_file=True),))
    caps = next(d for d in render(root, target(options)).documents if d.kind == "ConfigMap")
    assert caps.body["data"]["config"] == "line one\n"


def test_an_option_without_a_source_is_reported_on_the_object(root: Path) -> None:
    options = HelmOptions(parameters=(HelmParameter(name="a=b", value="1"),))
    findings = render(root, target(options)).findings
    assert [(f.location.path, f.location.line) for f in findings] == [(APP, 1)]


def test_a_policy_violation_an_inline_value_causes_is_on_the_application_line(
        root: Path) -> None:
    from validator.policy import PolicySettings, evaluate_policies  # noqa: PLC0415 - OPA only here

    policies = Path(__file__).resolve().parents[2] / "policies"
    options = HelmOptions(inline_values=application_values(), parameters=application_parameters())
    result = render(root, target(options))
    found = evaluate_policies(result.documents, PolicySettings(
        policy_dirs=(policies,), namespaces=("k8s.host_namespaces",)), root=root).findings
    assert [(f.rule_id, f.location.path, f.location.line) for f in found] == [
        ("K8S-009", APP, line_of(APPLICATION, "hostNetwork: true"))], found


def test_parameters_are_probed_only_for_a_chart_with_a_values_schema(root: Path,
                                                                      tmp_path: Path) -> None:
    options = HelmOptions(parameters=application_parameters())
    cache = tmp_path / "cache"
    render(root, target(options), cache_dir=cache)
    assert len(list(cache.glob("*.entry"))) == 1  # the render only
    write(root, "charts/web/values.schema.json", json.dumps(SCHEMA))
    render(root, target(options), cache_dir=cache)
    assert len(list(cache.glob("*.entry"))) == 3  # the render again (new input) and the probe


def test_flux_values_render_in_flux_order(root: Path, tmp_path: Path) -> None:
    write(root, "flux/values.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n"
          "data:\n  values.yaml: |\n    image:\n      tag: '3.0'\n  port: '9090'\n"
          "  replicas: '5'\n")
    write(root, "flux/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
          "metadata:\n  name: web\nspec:\n  values:\n    replicas: 2\n")
    release = ValueSource(path="flux/release.yaml", index=0, field=("spec", "values"))
    config = ValueSource(path="flux/values.yaml", index=0, field=("data", "values.yaml"))
    options = HelmOptions(inline_values=(
        InlineValues(values={"image": {"tag": "3.0"}}, source=config),
        InlineValues(values={"port": "9090"}, target_path="port",
                     source=replace(config, field=("data", "port"))),
        InlineValues(values={"replicas": "5"}, target_path="replicas",
                     source=replace(config, field=("data", "replicas"))),
        InlineValues(values={"replicas": 2}, source=release)))
    result = render(root, target(options, values_files=()))
    assert result.findings == (), result.findings
    (tmp_path / "cm.yaml").write_text("image:\n  tag: '3.0'\n")
    (tmp_path / "spec.yaml").write_text("replicas: 5\n")
    (tmp_path / "spec2.yaml").write_text("replicas: 2\n")
    # port: set last, by helm's parser (an integer); replicas: spec.values wins over it
    expected = helm_by_hand(root, tmp_path / "home", "--values", str(tmp_path / "cm.yaml"),
                            "--values", str(tmp_path / "spec.yaml"),
                            "--values", str(tmp_path / "spec2.yaml"), "--set", "port=9090",
                            "--include-crds", "--kube-version", DEFAULT_KUBERNETES_VERSION)
    assert bodies(result) == expected
    caps = next(d for d in result.documents if d.kind == "ConfigMap")
    assert caps.body["data"]["portKind"] == "int64"
    deployment = next(d for d in result.documents if d.kind == "Deployment")
    assert deployment.body["spec"]["replicas"] == 2
    where = deployment.locate(("spec", "template", "spec", "containers", 0, "image"))
    assert where.path == "charts/web/templates/deployment.yaml"  # two values in one string
    where = deployment.locate(("spec", "replicas"))
    assert (where.path, where.line) == ("flux/release.yaml", 7)
    where = caps.locate(("data", "port"))  # the targetPath value: its ConfigMap key
    assert (where.path, where.line) == ("flux/values.yaml", 9)


def test_a_fetched_chart_with_a_repository_values_file(root: Path, tmp_path: Path) -> None:
    fetched = tmp_path / "chart-cache" / "web"
    shutil.copytree(root / "charts/web", fetched)
    (fetched / "values.schema.json").write_text(json.dumps(SCHEMA))
    write(root, "apps/web-values.yaml", "image:\n  tag: '1.1'\nreplicas: 4\n")
    made = target(HelmOptions(chart_root=str(fetched)), path="apps",
                  values_files=("apps/web-values.yaml",), inputs=(APP, "apps/web-values.yaml"))
    result = render(root, made)
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
        ("schema/values", "apps/web-values.yaml", 3)], result.findings
    deployment = next(d for d in result.documents if d.kind == "Deployment")
    where = deployment.locate(("spec", "replicas"))
    assert (where.path, where.line) == ("apps/web-values.yaml", 3)
    where = deployment.locate(HOST_NETWORK)  # the fetched chart's own default
    assert (where.path, where.line) == (APP, 1)


def test_a_file_parameter_path_cannot_smuggle_a_second_file(root: Path) -> None:
    """helm splits ``--set-file`` at commas: ``a,b=/x`` would read ``/x`` into ``b``; a path with
    a comma (a real file of the repository, folders named to order) is read as one path."""
    outside = root.parent / "outside.txt"
    outside.write_text("SECRET\n")
    path = f"files/x,db.password={outside}"
    write(root, "files/x", "x\n")
    write(root, path, "planted\n")
    source = ValueSource(path=APP, index=0, field=(*HELM, "fileParameters", 0))
    options = HelmOptions(parameters=(HelmParameter(name="config", value=path, from_file=True,
                                                    source=source),))
    result = render(root, target(options))
    assert "SECRET" not in str([d.body for d in result.documents])
    caps = next(d for d in result.documents if d.kind == "ConfigMap")
    assert caps.body["data"]["config"] == "planted\n"
    assert caps.body["data"]["password"] == ""


def test_a_values_file_path_cannot_smuggle_a_second_file(root: Path) -> None:
    """helm reads ``--values`` as a comma-separated list: ``v,/x`` would read ``/x`` too; a
    values file with a comma in its path (folders named to order) is read as one file."""
    outside = root.parent / "outside.yaml"
    outside.write_text("db: {password: SECRET}\n")
    path = f"charts/web/v,{outside}"
    write(root, "charts/web/v", "replicas: 2\n")
    write(root, path, "replicas: 4\n")
    result = render(root, target(None, values_files=(path,)))
    assert "SECRET" not in str([d.body for d in result.documents])
    deployment = next(d for d in result.documents if d.kind == "Deployment")
    assert deployment.body["spec"]["replicas"] == 4
