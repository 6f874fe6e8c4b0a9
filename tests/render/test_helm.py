"""Helm targets rendered with the real helm, mapped back to template lines."""

from __future__ import annotations

import tarfile
from pathlib import Path

from tests.render.helpers import find, render_repo, write
from validator.model import Engine
from validator.render import RenderResult

HOST_NETWORK = ("spec", "template", "spec", "hostNetwork")


def test_value_sets_are_separate_targets(sample_render: RenderResult) -> None:
    dev = find(sample_render, target="api-dev", kind="Deployment")
    prod = find(sample_render, target="api-prod", kind="Deployment")
    assert dev.body["spec"]["template"]["spec"]["hostNetwork"] is False
    assert prod.body["spec"]["template"]["spec"]["hostNetwork"] is True
    assert (dev.body["spec"]["replicas"], prod.body["spec"]["replicas"]) == (1, 3)
    assert prod.path == "charts/api/templates/deployment.yaml"
    # the template copies the value verbatim: the values file that sets it is what to edit
    location = prod.locate(HOST_NETWORK)
    assert (location.path, location.line, location.field_path) == (
        "charts/api/values-prod.yaml", 2, HOST_NETWORK)
    assert dev.locate(HOST_NETWORK).path == "charts/api/values.yaml"  # the chart default
    assert dev.locate(HOST_NETWORK).line == 3
    assert (dev.locate(("spec", "replicas")).path, dev.locate(("spec", "replicas")).line) == (
        "charts/api/values-dev.yaml", 1)
    # only the prod value set breaks the rule: one offending object, on the prod target
    offending = [d.target for d in sample_render.documents
                 if d.kind == "Deployment" and d.body["spec"]["template"]["spec"].get("hostNetwork")
                 and d.path.startswith("charts/")]
    assert offending == ["api-prod"]


def test_template_lines_by_indentation(sample_render: RenderResult) -> None:
    deployment = find(sample_render, target="api-dev", kind="Deployment")
    assert deployment.locate(("metadata", "labels", "app")).line == 6
    assert deployment.locate(("spec", "template", "spec", "containers", 0)).line == 19
    assert deployment.locate(("spec", "selector")).line == 9
    # not written literally: the deepest written ancestor
    assert deployment.locate(("spec", "template", "spec", "containers", 0, "resources")).line == 19
    service = find(sample_render, target="api-dev", kind="Service")
    assert (service.path, service.locate(("spec", "ports", 0, "port")).line) == (
        "charts/api/templates/service.yaml", 7)


def test_several_documents_in_one_template(repo: Path) -> None:
    write(repo, "charts/api/templates/extra.yaml", """\
{{- if true }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
data:
  a: "1"
---
apiVersion: v1
kind: Secret
metadata:
  name: second
stringData:
  b: "2"
{{- end }}
""")
    result = render_repo(repo)
    secret = find(result, target="api-prod", kind="Secret")
    assert secret.path == "charts/api/templates/extra.yaml"
    assert secret.locate(("stringData", "b")).line == 14
    assert secret.locate(()).line == 9
    config_map = find(result, target="api-prod", kind="ConfigMap")
    assert config_map.locate(("data", "a")).line == 7


def test_template_syntax_error_is_a_finding_on_the_template_line(repo: Path) -> None:
    write(repo, "charts/api/templates/broken.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }\n")
    result = render_repo(repo)
    findings = [f for f in result.findings if f.location.path.startswith("charts/")]
    assert [(f.rule_id, f.location.path, f.location.line, f.engine) for f in findings] == [
        ("render/helm-template-error", "charts/api/templates/broken.yaml", 4, Engine.RENDER)] * 2
    assert {f.message.split(" failed")[0] for f in findings} == {
        "helm template (api-dev)", "helm template (api-prod)"}
    assert 'unexpected "}" in operand' in findings[0].message
    assert {d.target for d in result.documents} >= {"apps/web/overlays/prod"}  # others rendered


def test_template_execution_error_names_the_line(repo: Path) -> None:
    write(repo, "charts/api/templates/nil.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
          "  name: x\ndata:\n  a: {{ .Values.missing.deeper }}\n")
    result = render_repo(repo)
    lines = {(f.location.path, f.location.line) for f in result.findings}
    assert lines == {("charts/api/templates/nil.yaml", 6)}


def test_bad_values_file_is_a_finding_on_it(repo: Path) -> None:
    write(repo, "charts/api/values-prod.yaml", "replicas: [\n")
    result = render_repo(repo)
    assert [(f.location.path, f.rule_id) for f in result.findings] == [
        ("charts/api/values-prod.yaml", "render/helm-failed")]
    assert find(result, target="api-dev", kind="Deployment")  # the other value set rendered


def test_bad_default_values_file_is_a_finding_on_its_line(repo: Path) -> None:
    write(repo, "charts/api/values.yaml", "replicas: 1\nimage: [a\n")
    result = render_repo(repo)
    assert {(f.location.path, f.location.line, f.rule_id) for f in result.findings} == {
        ("charts/api/values.yaml", 2, "render/helm-failed")}


def test_missing_dependency_is_a_finding_on_chart_yaml(repo: Path) -> None:
    write(repo, "charts/api/Chart.yaml", """\
apiVersion: v2
name: api
version: 0.1.0
dependencies:
  - name: redis
    version: 18.0.0
    repository: https://charts.example.com
""")
    result = render_repo(repo)
    findings = {(f.rule_id, f.location.path, f.location.line) for f in result.findings}
    assert findings == {("render/helm-dependency-missing", "charts/api/Chart.yaml", 5)}
    # vendored: renders without any network
    write(repo, "charts/api/charts/redis/Chart.yaml", "apiVersion: v2\nname: redis\n"
          "version: 18.0.0\n")
    write(repo, "charts/api/charts/redis/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"
          "metadata:\n  name: redis\n")
    result = render_repo(repo)
    assert result.findings == ()
    redis = find(result, target="api-prod", kind="ConfigMap", name="redis")
    assert redis.path == "charts/api/charts/redis/templates/cm.yaml"
    assert redis.locate(("metadata", "name")).line == 4


def test_symlink_leaving_the_repository_in_a_chart_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "secret.txt", "token")
    (repo / "charts/api/templates/leak.yaml").symlink_to(outside)
    result = render_repo(repo)
    findings = {(f.rule_id, f.location.path) for f in result.findings}
    assert findings == {("render/symlink-escape", "charts/api/templates/leak.yaml")}
    assert not [d for d in result.documents if d.target.startswith("api-")]


def test_packed_subchart_objects_point_at_the_archive(repo: Path, tmp_path: Path) -> None:
    write(repo, "charts/api/Chart.yaml", "apiVersion: v2\nname: api\nversion: 0.1.0\n"
          "dependencies:\n  - name: redis\n    version: 18.0.0\n")
    source = tmp_path / "redis"
    write(source, "Chart.yaml", "apiVersion: v2\nname: redis\nversion: 18.0.0\n")
    write(source, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: redis\n")
    (repo / "charts/api/charts").mkdir()
    with tarfile.open(repo / "charts/api/charts/redis-18.0.0.tgz", "w:gz") as archive:
        archive.add(source, arcname="redis")
    result = render_repo(repo)
    assert result.findings == ()
    redis = find(result, target="api-prod", kind="ConfigMap", name="redis")
    assert redis.path == "charts/api/charts/redis-18.0.0.tgz"
    assert redis.locate(("metadata", "name")).line == 0  # the whole archive


def test_a_load_error_in_the_output_is_reported_on_the_template_that_wrote_it(repo: Path) -> None:
    write(repo, "charts/api/templates/deep.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n'
          '  name: deep\ndata:\n  x: {{ repeat 200 "[" }}{{ repeat 200 "]" }}\n')
    result = render_repo(repo)
    findings = {(f.rule_id, f.location.path, f.location.line) for f in result.findings}
    assert findings == {("load/limit", "charts/api/templates/deep.yaml", 1)}, findings
    # deeper than libyaml's own cap: a syntax error in the rendered output, reported at the
    # start of the object in the template that wrote it
    write(repo, "charts/api/templates/deep.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n'
          '  name: deep\ndata:\n  x: {{ repeat 5000 "[" }}{{ repeat 5000 "]" }}\n')
    result = render_repo(repo)
    findings = {(f.rule_id, f.location.path, f.location.line) for f in result.findings}
    assert findings == {("load/syntax", "charts/api/templates/deep.yaml", 1)}, findings



def test_a_duplicate_key_in_the_output_is_reported_on_its_template(repo: Path) -> None:
    write(repo, "charts/api/templates/dup.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
          "  name: dup\ndata:\n  a: '1'\n  a: '2'\n")
    result = render_repo(repo)
    findings = {(f.rule_id, f.location.path, f.location.line) for f in result.findings}
    assert findings == {("load/duplicate-key", "charts/api/templates/dup.yaml", 1)}, findings
