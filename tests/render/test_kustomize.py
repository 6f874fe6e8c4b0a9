"""Kustomize targets rendered with the real kustomize, mapped back to the file a reviewer edits."""

from __future__ import annotations

from pathlib import Path

from tests.render.helpers import find, render_repo, write
from validator.model import Engine
from validator.render import RenderResult

CONTAINER = ("spec", "template", "spec", "containers", 0)
PROD, DEV = "apps/web/overlays/prod", "apps/web/overlays/dev"


def where(result: RenderResult, target: str, kind: str, field: tuple[str | int, ...],
          name: str | None = None) -> tuple[str, int]:
    location = find(result, target=target, kind=kind, name=name).locate(field)
    return location.path, location.line


def test_field_set_by_a_patch_locates_to_the_patch_line(sample_render: RenderResult) -> None:
    privileged = (*CONTAINER, "securityContext", "privileged")
    deployment = find(sample_render, target=PROD, kind="Deployment")
    assert deployment.body["spec"]["template"]["spec"]["containers"][0]["securityContext"] == {
        "privileged": True}
    assert where(sample_render, PROD, "Deployment", privileged) == (
        "apps/web/overlays/prod/security.yaml", 11)
    # the other overlay does not patch it: its container comes from the base
    assert where(sample_render, DEV, "Deployment", privileged) == (
        "apps/web/base/deployment.yaml", 16)  # the container item: no securityContext there
    assert where(sample_render, DEV, "Deployment", ("spec", "replicas")) == (
        "apps/web/overlays/dev/replicas.yaml", 6)


def test_fields_of_the_base_and_whole_objects(sample_render: RenderResult) -> None:
    deployment = find(sample_render, target=DEV, kind="Deployment")
    assert deployment.path == "apps/web/base/deployment.yaml"
    assert deployment.resource.name == "dev-web"  # namePrefix applied
    assert where(sample_render, DEV, "Deployment", (*CONTAINER, "ports", 0, "containerPort")) == (
        "apps/web/base/deployment.yaml", 19)
    assert where(sample_render, DEV, "Deployment", ()) == ("apps/web/base/deployment.yaml", 1)


def test_transformer_fields_locate_to_the_kustomization(sample_render: RenderResult) -> None:
    kustomization = "apps/web/overlays/prod/kustomization.yaml"
    assert find(sample_render, target=PROD, kind="Deployment").body["spec"]["template"]["spec"][
        "containers"][0]["image"] == "nginx:latest"
    assert where(sample_render, PROD, "Deployment", (*CONTAINER, "image")) == (kustomization, 22)
    assert where(sample_render, PROD, "Deployment", ("metadata", "namespace")) == (
        kustomization, 3)
    # an inline JSON 6902 patch: the line of its value inside the kustomization
    assert where(sample_render, PROD, "Deployment", ("spec", "replicas")) == (kustomization, 16)


def test_generator_and_component_objects(sample_render: RenderResult) -> None:
    generated = [d for d in sample_render.documents
                 if d.target == PROD and d.resource.name.startswith("web-config-")]
    assert len(generated) == 1
    assert generated[0].body["data"] == {"app.properties": "log.level=info\n"}
    assert generated[0].path == "apps/web/overlays/prod/kustomization.yaml"
    assert generated[0].locate(("data", "app.properties")).line == 18
    monitoring = find(sample_render, target=PROD, kind="ConfigMap", name="monitoring")
    assert monitoring.path == "apps/web/components/monitoring/monitor-config.yaml"
    assert monitoring.locate(("data", "scrape")).line == 6


def test_build_annotations_are_removed(repo: Path) -> None:
    write(repo, "apps/web/base/service.yaml", """\
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    team: web
spec:
  ports:
    - port: 80
""")
    result = render_repo(repo)
    rendered = [d for d in result.documents if d.target in (PROD, DEV)]
    assert len(rendered) == 6
    for document in rendered:
        annotations = document.body["metadata"].get("annotations")
        if document.kind == "Service":
            assert annotations == {"team": "web"}
        else:
            assert "annotations" not in document.body["metadata"], document.resource
    assert "kubernetes.io/origin" not in repr([d.body for d in rendered])
    assert "transformations" not in repr([d.body for d in rendered])


def render_one(repo: Path, kustomization: str) -> RenderResult:
    write(repo, "apps/bad/kustomization.yaml", kustomization)
    result = render_repo(repo)
    assert not [d for d in result.documents if d.target == "apps/bad"]
    return result


def bad_findings(result: RenderResult) -> list[tuple[str, str, int]]:
    return sorted((f.rule_id, f.location.path, f.location.line) for f in result.findings
                  if f.location.path.startswith("apps/bad"))


def test_remote_resources_are_refused(repo: Path) -> None:
    result = render_one(repo, """\
resources:
  - ../web/base
  - https://github.com/example/app//deploy?ref=v1.0.0
  - github.com/example/app/deploy?ref=main
""")
    assert bad_findings(result) == [
        ("render/remote-resource", "apps/bad/kustomization.yaml", 3),
        ("render/remote-resource", "apps/bad/kustomization.yaml", 4)]
    message = result.findings[[f.location.line for f in result.findings].index(3)].message
    assert "'https://github.com/example/app//deploy?ref=v1.0.0' refused" in message
    assert all(f.engine is Engine.RENDER for f in result.findings)
    # the other targets still rendered
    assert {d.target for d in result.documents} >= {PROD, DEV, "api-prod"}


def test_exec_plugins_and_helm_charts_are_refused(repo: Path) -> None:
    write(repo, "apps/bad/plugin.yaml", """\
apiVersion: example.com/v1
kind: RunAnything
metadata:
  name: x
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./steal-secrets.sh
""")
    result = render_one(repo, """\
resources: []
transformers:
  - plugin.yaml
helmCharts:
  - name: x
    repo: https://charts.example.com
""")
    assert bad_findings(result) == [
        ("render/kustomize-helm-refused", "apps/bad/kustomization.yaml", 5),
        ("render/plugin-refused", "apps/bad/kustomization.yaml", 3)]


def test_paths_leaving_the_repository_are_refused(repo: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/cm.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    (repo / "apps/leak.yaml").symlink_to(outside)
    write(repo, "apps/bad/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    (repo / "apps/bad/link.yaml").symlink_to(outside)
    result = render_one(repo, """\
resources:
  - cm.yaml
  - link.yaml
  - ../../../outside
""")
    assert bad_findings(result) == [
        ("render/outside-repository", "apps/bad/kustomization.yaml", 3),
        ("render/outside-repository", "apps/bad/kustomization.yaml", 4),
        ("render/symlink-escape", "apps/bad/link.yaml", 0)]  # found by discovery too


def test_build_error_is_a_finding_on_the_kustomization(repo: Path) -> None:
    write(repo, "apps/bad/patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
          "  name: nothing-matches\nspec:\n  replicas: 3\n")
    result = render_one(repo, "resources:\n  - ../web/base\npatches:\n  - path: patch.yaml\n")
    (finding,) = [f for f in result.findings if f.rule_id == "render/kustomize-failed"]
    assert finding.location.path.startswith("apps/bad/")
    assert "nothing-matches" in finding.message
    assert "/tmp" not in finding.message.replace(str(repo), "")


def test_syntax_error_in_a_resource_is_a_finding_on_that_file(repo: Path) -> None:
    write(repo, "apps/bad/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n")
    result = render_one(repo, "resources:\n  - broken.yaml\n")
    (finding,) = [f for f in result.findings if f.rule_id == "render/kustomize-failed"]
    assert finding.location.path == "apps/bad/broken.yaml"
    assert finding.location.line > 0
    assert finding.message.startswith("kustomize build apps/bad failed: accumulating resources")
    assert "must resolve to a file" not in finding.message  # our wrapper's noise is gone


def test_containers_locate_where_defined_and_leaves_where_last_set(
        sample_render: RenderResult) -> None:
    # the container item and the pod spec are defined in the base, even though the prod
    # patch repeats them to reach securityContext; the securityContext itself is the patch's
    assert where(sample_render, PROD, "Deployment", CONTAINER) == (
        "apps/web/base/deployment.yaml", 16)
    assert where(sample_render, PROD, "Deployment", ("spec", "template", "spec")) == (
        "apps/web/base/deployment.yaml", 14)
    assert where(sample_render, PROD, "Deployment", (*CONTAINER, "securityContext")) == (
        "apps/web/overlays/prod/security.yaml", 10)


def test_json6902_patch_file_and_legacy_strategic_merge(repo: Path) -> None:
    write(repo, "apps/legacy/image.yaml", """\
- op: replace
  path: /spec/template/spec/containers/0/image
  value: nginx:1.27.1
""")
    write(repo, "apps/legacy/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
          "metadata:\n  name: web\nspec:\n  replicas: 7\n")
    write(repo, "apps/legacy/kustomization.yaml", """\
resources:
  - ../web/base
patchesStrategicMerge:
  - replicas.yaml
patchesJson6902:
  - target:
      group: apps
      version: v1
      kind: Deployment
      name: web
    path: image.yaml
""")
    result = render_repo(repo)
    assert where(result, "apps/legacy", "Deployment", (*CONTAINER, "image")) == (
        "apps/legacy/image.yaml", 3)
    assert where(result, "apps/legacy", "Deployment", ("spec", "replicas")) == (
        "apps/legacy/replicas.yaml", 6)
    assert find(result, target="apps/legacy", kind="Deployment").body["spec"]["replicas"] == 7


def test_wrong_field_type_names_the_field_line(repo: Path) -> None:
    result = render_one(repo, "namespace: web\nresources: deployment.yaml\n")
    (finding,) = [f for f in result.findings if f.rule_id == "render/kustomize-failed"]
    assert (finding.location.path, finding.location.line) == ("apps/bad/kustomization.yaml", 2)
    assert "Kustomization.resources" in finding.message
