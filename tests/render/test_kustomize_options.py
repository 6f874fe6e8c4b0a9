"""Kustomize targets an agent object defines: its overrides applied as the agent applies them.

Each option is compared, object for object, with what the real kustomize builds from a
hand-written kustomization holding the same fields (as Argo CD's ``kustomize edit`` and
Flux's generated kustomization write them into the folder's own kustomization).
"""

from __future__ import annotations

import shutil
import tracemalloc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.render.helpers import write
from validator.load import Document
from validator.process import Command, run
from validator.render.engine import render_target
from validator.render.options import KustomizeOptions, ValueSource
from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target, TargetKind
from validator.tools import Tool, require_tool

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.25
        - name: sidecar
          image: busybox
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
"""
ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules: []
"""
KUSTOMIZATION = "resources:\n  - deployment.yaml\n  - service.yaml\n  - role.yaml\n"

#: The Argo CD Application whose kustomize block the source-mapping test points at.
APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  source:
    repoURL: https://example.com/repo.git
    path: app
    kustomize:
      namePrefix: argo-
      namespace: prod
      images:
        - nginx=registry.example.com/nginx:1.27
      commonLabels:
        team: web
      commonAnnotations:
        owner: platform
      patches:
        - target:
            kind: Deployment
          patch: |
            - op: replace
              path: /spec/replicas
              value: 5
"""
KUSTOMIZE_BLOCK = ("spec", "source", "kustomize")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo, "app/deployment.yaml", DEPLOYMENT)
    write(repo, "app/service.yaml", SERVICE)
    write(repo, "app/role.yaml", ROLE)
    write(repo, "app/kustomization.yaml", KUSTOMIZATION)
    write(repo, "app/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                     "  name: web\nspec:\n  replicas: 7\n")
    write(repo, "components/team/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
          "commonAnnotations:\n  component: team\n")
    write(repo, "argocd/web.yaml", APPLICATION)
    return repo


def target(path: str, options: KustomizeOptions | None, *, name: str = "Application argocd/web",
           inputs: tuple[str, ...] = ()) -> Target:
    return Target(kind=TargetKind.KUSTOMIZE, path=path, name=name, reason="test",
                  kustomize=options, inputs=inputs)


def render(root: Path, built: Target, settings: RenderSettings | None = None) -> RenderResult:
    return render_target(built, root=root, settings=settings or RenderSettings())


def by_identity(bodies: list[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(str(b["kind"]), str(b["metadata"]["name"])): b for b in bodies}


def hand_built(root: Path, fields: Mapping[str, Any], tmp: Path) -> list[Mapping[str, Any]]:
    """``kustomize build`` of a copy of ``app`` whose kustomization also holds ``fields``
    (what the agent's in-place edit of the folder's kustomization gives)."""
    copy = tmp / "hand" / "app"
    shutil.copytree(root / "app", copy)
    shutil.copytree(root / "components", tmp / "hand" / "components")
    data = yaml.safe_load((copy / "kustomization.yaml").read_text())
    data.update(fields)
    (copy / "kustomization.yaml").write_text(yaml.safe_dump(data))
    output = run(Command(args=(str(require_tool(Tool.KUSTOMIZE)), "build", str(copy)),
                         timeout=60)).stdout
    return [d for d in yaml.safe_load_all(output) if d]


def bodies(result: RenderResult) -> list[Mapping[str, Any]]:
    assert not result.findings, result.findings
    return [d.body for d in result.documents]


CASES: list[tuple[str, KustomizeOptions, dict[str, Any]]] = [
    ("namePrefix", KustomizeOptions(name_prefix="argo-"), {"namePrefix": "argo-"}),
    ("nameSuffix", KustomizeOptions(name_suffix="-v2"), {"nameSuffix": "-v2"}),
    ("namespace", KustomizeOptions(namespace="prod"), {"namespace": "prod"}),
    ("image name=newName:tag", KustomizeOptions(images=("nginx=registry.example.com/nginx:1.27",)),
     {"images": [{"name": "nginx", "newName": "registry.example.com/nginx", "newTag": "1.27"}]}),
    ("image name:tag", KustomizeOptions(images=("nginx:1.27",)),
     {"images": [{"name": "nginx", "newTag": "1.27"}]}),
    ("image name@digest", KustomizeOptions(images=("busybox@sha256:" + "a" * 64,)),
     {"images": [{"name": "busybox", "digest": "sha256:" + "a" * 64}]}),
    ("image name=newName", KustomizeOptions(images=("busybox=registry.example.com/busybox",)),
     {"images": [{"name": "busybox", "newName": "registry.example.com/busybox"}]}),
    ("image entries", KustomizeOptions(image_entries=({"name": "nginx", "newTag": "1.26"},)),
     {"images": [{"name": "nginx", "newTag": "1.26"}]}),
    ("commonLabels", KustomizeOptions(labels={"team": "web"}), {"commonLabels": {"team": "web"}}),
    ("labels without selector",
     KustomizeOptions(labels={"team": "web"}, labels_without_selector=True),
     {"labels": [{"pairs": {"team": "web"}}]}),
    ("commonAnnotations", KustomizeOptions(annotations={"owner": "platform"}),
     {"commonAnnotations": {"owner": "platform"}}),
    ("replicas", KustomizeOptions(replicas=({"name": "web", "count": 4},)),
     {"replicas": [{"name": "web", "count": 4}]}),
    ("inline strategic merge patch",
     KustomizeOptions(patches=({"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                         "  name: web\nspec:\n  replicas: 3\n"},)),
     {"patches": [{"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                            "spec:\n  replicas: 3\n"}]}),
    ("inline JSON 6902 patch with target",
     KustomizeOptions(patches=({"patch": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
                                "target": {"kind": "Deployment", "name": "web"}},)),
     {"patches": [{"patch": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
                   "target": {"kind": "Deployment", "name": "web"}}]}),
    ("patch file", KustomizeOptions(patches=({"path": "replicas.yaml"},)),
     {"patches": [{"path": "replicas.yaml"}]}),
    ("components", KustomizeOptions(components=("components/team",)),
     {"components": ["../components/team"]}),
]


@pytest.mark.parametrize(("case", "options", "fields"), CASES, ids=[c[0] for c in CASES])
def test_each_option_builds_what_kustomize_builds_from_the_same_fields(
        root: Path, tmp_path: Path, case: str, options: KustomizeOptions,
        fields: dict[str, Any]) -> None:
    rendered = by_identity(bodies(render(root, target("app", options))))
    expected = by_identity(hand_built(root, fields, tmp_path))
    assert rendered == expected
    plain = by_identity(bodies(render(root, target("app", None, name="app"))))
    assert rendered != plain, f"{case} changed nothing"


def test_flux_common_metadata_sets_object_metadata_only(root: Path) -> None:
    options = KustomizeOptions(common_metadata={"labels": {"team": "web"},
                                                "annotations": {"owner": "platform"}})
    rendered = by_identity(bodies(render(root, target("app", options))))
    for body in rendered.values():
        assert body["metadata"]["labels"]["team"] == "web"
        assert body["metadata"]["annotations"]["owner"] == "platform"
    deployment = rendered[("Deployment", "web")]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "web"}
    assert deployment["spec"]["template"]["metadata"] == {"labels": {"app": "web"}}
    assert rendered[("Service", "web")]["spec"]["selector"] == {"app": "web"}


def test_a_patch_file_or_component_leaving_the_repository_is_refused(root: Path) -> None:
    outside = root.parent / "secret.yaml"
    outside.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\n")
    for options in (KustomizeOptions(patches=({"path": "../../secret.yaml"},)),
                    KustomizeOptions(components=("../outside",))):
        result = render(root, target("app", options))
        assert not result.documents
        assert [f.rule_id for f in result.findings] == ["render/outside-repository"]
        assert "leaves the repository" in result.findings[0].message


def test_an_invalid_image_override_is_a_finding_on_its_line(root: Path) -> None:
    options = KustomizeOptions(images=("nginx",), source=ValueSource(
        path="argocd/web.yaml", index=0, field=KUSTOMIZE_BLOCK))
    result = render(root, target("app", options))
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
        ("render/kustomize-option-invalid", "argocd/web.yaml", 14)]


def application_options() -> KustomizeOptions:
    return KustomizeOptions(
        name_prefix="argo-", namespace="prod", images=("nginx=registry.example.com/nginx:1.27",),
        labels={"team": "web"}, annotations={"owner": "platform"},
        patches=({"target": {"kind": "Deployment"},
                  "patch": "- op: replace\n  path: /spec/replicas\n  value: 5\n"},),
        source=ValueSource(path="argocd/web.yaml", index=0, field=KUSTOMIZE_BLOCK))


def find(result: RenderResult, kind: str) -> Document:
    [document] = [d for d in result.documents if d.kind == kind]
    return document


def where(document: Document, *field: str | int) -> tuple[str, int]:
    location = document.locate(field)
    return location.path, location.line


def test_fields_the_overrides_set_land_on_the_option_lines(root: Path) -> None:
    result = render(root, target("app", application_options(), inputs=("argocd/web.yaml",)))
    assert not result.findings
    deployment = find(result, "Deployment")
    assert deployment.body["metadata"]["namespace"] == "prod"
    assert where(deployment, "metadata", "namespace") == ("argocd/web.yaml", 12)
    assert where(deployment, "metadata", "name") == ("argocd/web.yaml", 11)
    container = ("spec", "template", "spec", "containers", 0)
    assert deployment.body["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "registry.example.com/nginx:1.27"
    assert where(deployment, *container, "image") == ("argocd/web.yaml", 14)
    assert where(deployment, "metadata", "labels", "team") == ("argocd/web.yaml", 16)
    assert where(deployment, "spec", "selector", "matchLabels", "team") == ("argocd/web.yaml", 16)
    assert where(deployment, "metadata", "annotations", "owner") == ("argocd/web.yaml", 18)
    assert deployment.body["spec"]["replicas"] == 5
    assert where(deployment, "spec", "replicas") == ("argocd/web.yaml", 25)
    # what no override touched: the folder's own file, as before
    assert where(deployment, "spec", "template", "spec", "containers", 1, "image") == (
        "app/deployment.yaml", 19)
    assert where(deployment, "spec", "template", "metadata", "labels", "app") == (
        "app/deployment.yaml", 13)
    role = find(result, "ClusterRole")
    assert "namespace" not in role.body["metadata"]
    assert where(role, "metadata", "name") == ("argocd/web.yaml", 11)


def test_two_targets_of_one_folder_with_other_options_do_not_share_a_cached_render(
        root: Path, tmp_path: Path) -> None:
    settings = RenderSettings(cache_dir=tmp_path / "cache")
    first = render(root, target("app", KustomizeOptions(namespace="one")), settings)
    second = render(root, target("app", KustomizeOptions(namespace="two")), settings)
    again = render(root, target("app", KustomizeOptions(namespace="one")), settings)
    assert {d.body["metadata"].get("namespace") for d in first.documents} == {"one", None}
    assert {d.body["metadata"].get("namespace") for d in second.documents} == {"two", None}
    assert [d.body for d in again.documents] == [d.body for d in first.documents]


# -- Flux: a folder without a kustomization file -----------------------------------------

def test_a_folder_without_kustomization_is_built_from_every_manifest_under_it(
        root: Path) -> None:
    write(root, "flux/apps/deployment.yaml", DEPLOYMENT)
    write(root, "flux/apps/nested/service.yml", SERVICE)
    write(root, "flux/apps/nested/deeper/config.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n")
    write(root, "flux/apps/values.yaml", "replicas: 3\nimage: nginx\n")  # not an object
    write(root, "flux/apps/notes.txt", "apiVersion: v1\n")
    write(root, "flux/apps/extra.json", '{"apiVersion": "v1", "kind": "ConfigMap", '
                                        '"metadata": {"name": "from-json"}}')
    write(root, "flux/apps/sub/kustomization.yaml", "resources: [role.yaml]\nnamePrefix: sub-\n")
    write(root, "flux/apps/sub/role.yaml", ROLE)
    write(root, "flux/apps/sub/ignored.yaml", SERVICE.replace("name: web", "name: not-listed"))
    result = render(root, target("flux/apps", KustomizeOptions(generate=True, namespace="apps"),
                                 name="Kustomization flux-system/apps"))
    names = sorted((d.kind, d.resource.name, d.path) for d in result.documents)
    assert names == [("ClusterRole", "sub-reader", "flux/apps/sub/role.yaml"),
                     ("ConfigMap", "settings", "flux/apps/nested/deeper/config.yaml"),
                     ("Deployment", "web", "flux/apps/deployment.yaml"),
                     ("Service", "web", "flux/apps/nested/service.yml")]
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("render/not-a-kubernetes-object", "flux/apps/values.yaml")]
    service = next(d for d in result.documents if d.kind == "Service")
    assert service.body["metadata"]["namespace"] == "apps"
    assert where(service, "spec", "ports", 0, "port") == ("flux/apps/nested/service.yml", 9)


def test_a_generated_kustomization_with_no_source_lands_on_the_files(root: Path) -> None:
    write(root, "plain/deployment.yaml", DEPLOYMENT)
    result = render(root, target("plain", KustomizeOptions(generate=True)))
    deployment = find(result, "Deployment")
    assert deployment.path == "plain/deployment.yaml"
    assert where(deployment, "spec", "replicas") == ("plain/deployment.yaml", 6)


def test_a_generated_render_replayed_from_the_cache_lands_on_the_same_files(
        root: Path, tmp_path: Path) -> None:
    write(root, "plain/nested/deployment.yaml", DEPLOYMENT)
    settings = RenderSettings(cache_dir=tmp_path / "cache")
    built = target("plain", KustomizeOptions(generate=True))
    first, second = render(root, built, settings), render(root, built, settings)
    for result in (first, second):
        deployment = find(result, "Deployment")
        assert where(deployment, "spec", "replicas") == ("plain/nested/deployment.yaml", 6)


def test_a_symlink_leaving_the_repository_in_a_generated_folder_is_reported(
        root: Path, tmp_path: Path) -> None:
    write(root, "plain/deployment.yaml", DEPLOYMENT)
    outside = tmp_path / "outside.yaml"
    outside.write_text(SERVICE)
    (root / "plain" / "leak.yaml").symlink_to(outside)
    result = render(root, target("plain", KustomizeOptions(generate=True)))
    assert [d.kind for d in result.documents] == ["Deployment"]
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("render/outside-repository", "plain/leak.yaml")]


FLUX_KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./app
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: apps
  nameSuffix: -flux
  images:
    - name: nginx
      newTag: "1.26"
  commonMetadata:
    labels:
      owner: platform
  patches:
    - patch: |
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          minReadySeconds: 30
      target:
        kind: Deployment
"""


def test_flux_field_names_land_on_their_lines(root: Path) -> None:
    write(root, "clusters/apps.yaml", FLUX_KUSTOMIZATION)
    spec = ValueSource(path="clusters/apps.yaml", index=0, field=("spec",))
    options = KustomizeOptions(
        namespace="apps", name_suffix="-flux",
        image_entries=({"name": "nginx", "newTag": "1.26"},),
        common_metadata={"labels": {"owner": "platform"}},
        patches=({"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                           "spec:\n  minReadySeconds: 30\n", "target": {"kind": "Deployment"}},),
        source=spec)
    result = render(root, target("app", options, name="Kustomization flux-system/apps"))
    assert not result.findings
    deployment = find(result, "Deployment")
    assert deployment.resource.name == "web-flux"
    assert where(deployment, "metadata", "namespace") == ("clusters/apps.yaml", 12)
    assert where(deployment, "metadata", "name") == ("clusters/apps.yaml", 13)
    assert where(deployment, "spec", "template", "spec", "containers", 0, "image") == (
        "clusters/apps.yaml", 15)
    assert where(deployment, "metadata", "labels", "owner") == ("clusters/apps.yaml", 19)
    assert "owner" not in deployment.body["spec"]["template"]["metadata"]["labels"]
    assert deployment.body["spec"]["minReadySeconds"] == 30
    assert where(deployment, "spec", "minReadySeconds") == ("clusters/apps.yaml", 27)


def test_read_only_mappings_from_a_reader_are_accepted(root: Path) -> None:
    from types import MappingProxyType  # noqa: PLC0415 - only this test needs it

    options = KustomizeOptions(
        labels=MappingProxyType({"team": "web"}),
        patches=(MappingProxyType({"patch": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
                                   "target": MappingProxyType({"kind": "Deployment"})}),),
        replicas=(MappingProxyType({"name": "web", "count": 3}),))
    deployment = by_identity(bodies(render(root, target("app", options))))[("Deployment", "web")]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["labels"] == {"team": "web"}


def test_a_missing_folder_is_a_finding_not_an_empty_render(root: Path) -> None:
    result = render(root, target("nowhere", KustomizeOptions(generate=True)))
    assert not result.documents
    assert [f.rule_id for f in result.findings] == ["render/missing-reference"]


def test_argo_cd_image_overrides_apply_in_name_order_as_kustomize_edit_writes_them(
        root: Path, tmp_path: Path) -> None:
    # `kustomize edit set image` sorts by name: busybox=nginx first, then nginx:1.27 on both
    options = KustomizeOptions(images=("nginx:1.27", "busybox=nginx"))
    rendered = by_identity(bodies(render(root, target("app", options))))
    containers = rendered[("Deployment", "web")]["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["nginx:1.27", "nginx:1.27"]
    expected = by_identity(hand_built(root, {"images": [
        {"name": "busybox", "newName": "nginx"}, {"name": "nginx", "newTag": "1.27"}]}, tmp_path))
    assert rendered == expected


def test_a_huge_file_in_a_generated_folder_is_refused_unread(root: Path) -> None:
    """Listing a folder without kustomization reads each YAML file to see whether it is an
    object: one over the load limit is refused by the screen, never parsed whole (a 32 MB
    list of numbers took minutes and ~10x its size in memory)."""
    write(root, "plain/deployment.yaml", DEPLOYMENT)
    (root / "plain/huge.yaml").write_text("- 1\n" * (4 << 20) + "- 1\n" * 200_000)
    tracemalloc.start()
    try:
        result = render(root, target("plain", KustomizeOptions(generate=True)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("render/input-limit", "plain/huge.yaml")]
    assert peak < 48 << 20, f"{peak} bytes held"
