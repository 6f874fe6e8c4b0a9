"""``gitops-validator render``: the rendered YAML of every target, exactly what ``check`` validates.

Real helm and kustomize throughout. The comparisons with ``helm template`` and
``kustomize build`` run the tools themselves with the options the target names and
compare the two streams object for object; the validator's own additions are applied
to the tools' output explicitly (and nothing else is), as docs/render.md lists them:

- Helm: namespaced objects without ``metadata.namespace`` get the release namespace
  (``helm install`` puts them there; ``helm template`` prints them without one);
  Helm test hooks are left out (no agent applies them by default);
- Kustomize: the origin annotations the validator turns on for source mapping are
  removed again (the user's build does not have them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from validator.cli import main
from validator.config import resolve_check_settings
from validator.options import CheckOptions
from validator.pipeline import check_documents
from validator.render.namespaces import CLUSTER_SCOPED, api_group
from validator.repo_config import load_repo_config
from validator.report.rendered_yaml import RenderedObject, rendered_yaml
from validator.tools import Tool, require_tool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CONFIG = """\
version: 1
targets:
  helm:
    - chart: charts/shop
      name: shop-prod
      release: shop
      namespace: shop-prod
      values: [values-prod.yaml]
"""

FILES = {
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "charts/shop/values.yaml": "replicas: 1\nimage: shop:1.0\ngreeting: hello\npassword: changeme\n",
    "charts/shop/values-prod.yaml": "replicas: 3\nimage: shop:2.0\n",
    "charts/shop/templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels:
    app: web
    kube: {{ .Capabilities.KubeVersion.Version | quote }}
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
      containers:
        - name: web
          image: {{ .Values.image | quote }}
          env:
            - name: GREETING
              value: {{ .Values.greeting | quote }}
""",
    "charts/shop/templates/config.yaml": """\
# the settings file of the web container
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  app.ini: |
    [server]
    port = 8080
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-credentials
stringData:
  password: {{ .Values.password | quote }}
""",
    "charts/shop/templates/role.yaml": """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-reader
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get]
""",
    "charts/shop/templates/tests/test-connection.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers:
    - name: wget
      image: busybox:1.36
      command: [wget, "{{ .Release.Name }}-web:80"]
""",
    "apps/web/base/kustomization.yaml": "resources:\n  - deployment.yaml\n  - service.yaml\n",
    "apps/web/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
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
          image: web:1.0
""",
    "apps/web/base/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
""",
    "apps/web/overlays/prod/kustomization.yaml": """\
namespace: web-prod
namePrefix: prod-
resources:
  - ../../base
patches:
  - path: replicas.yaml
""",
    "apps/web/overlays/prod/replicas.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
""",
    "manifests/config.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain-one
  namespace: default
data:
  a: "1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain-two
  namespace: default
data:
  b: "2"
""",
}


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, ".gitops-validator.yaml", CONFIG)
    for path, text in FILES.items():
        write(root, path, text)
    return root


def invoke(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["render", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def objects(stream: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """``(comments, body)`` of each document of a ``render`` stream: ``# Source:`` and
    ``# Target:`` read from the comment lines that open it."""
    found = []
    assert stream.startswith("---\n") or not stream, stream[:200]
    for text in re.split(r"(?m)^---\n", stream)[1:]:
        comments = {}
        for line in text.splitlines():
            if not line.startswith("# "):
                break
            key, _, value = line[2:].partition(": ")
            comments[key] = value
        found.append((comments, yaml.safe_load(text)))
    return found


def by_target(stream: str, target: str) -> list[dict[str, Any]]:
    return [body for comments, body in objects(stream) if comments["Target"] == target]


def identity(body: Mapping[str, Any]) -> tuple[str, str, str]:
    meta = body.get("metadata") or {}
    return body.get("kind", ""), meta.get("namespace", ""), meta.get("name", "")


# --- what render prints --------------------------------------------------------------------


def test_every_target_is_printed_with_its_source_and_target(repo: Path) -> None:
    code, out, err = invoke(".", cwd=repo)
    assert code == 0, err
    printed = objects(out)
    assert {c["Target"] for c, _ in printed} == {"shop-prod", "apps/web/overlays/prod",
                                                 "manifests/config.yaml"}
    sources = {identity(body): comments["Source"] for comments, body in printed}
    # Helm: the template and the object's line in it (after the comment line of config.yaml)
    assert sources["Deployment", "shop-prod", "shop-web"] == "charts/shop/templates/deployment.yaml:1"
    assert sources["ConfigMap", "shop-prod", "shop-config"] == "charts/shop/templates/config.yaml:2"
    assert sources["Secret", "shop-prod", "shop-credentials"] == "charts/shop/templates/config.yaml:11"
    # Kustomize: the origin, the base file the object comes from
    assert sources["Deployment", "web-prod", "prod-web"] == "apps/web/base/deployment.yaml:1"
    assert sources["Service", "web-prod", "prod-web"] == "apps/web/base/service.yaml:1"
    # plain: the file and the line each document starts on
    assert sources["ConfigMap", "default", "plain-one"] == "manifests/config.yaml:1"
    assert sources["ConfigMap", "default", "plain-two"] == "manifests/config.yaml:9"
    assert "8 resources" in err  # the summary on standard error, never mixed into the YAML


def test_render_prints_exactly_the_documents_check_validates(repo: Path) -> None:
    settings = resolve_check_settings(CheckOptions(no_policy=True, no_schema=True).as_mapping(),
                                      explicit=set(), root=repo, paths=[repo],
                                      repo=load_repo_config(repo))
    _, documents = check_documents(settings)
    code, out, _ = invoke(".", cwd=repo)
    assert code == 0
    assert [body for _, body in objects(out)] == [dict(d.body) for d in documents]
    assert len(documents) == 8


def test_helm_objects_get_the_release_namespace_and_test_hooks_are_left_out(repo: Path) -> None:
    code, out, err = invoke(".", "--target", "shop-prod", cwd=repo)
    assert code == 0, err
    shop = {identity(body)[0]: body for body in by_target(out, "shop-prod")}
    assert set(shop) == {"Deployment", "ConfigMap", "Secret", "ClusterRole"}  # no test Pod
    assert shop["Deployment"]["metadata"]["namespace"] == "shop-prod"
    assert "namespace" not in shop["ClusterRole"]["metadata"]  # cluster-scoped: none
    assert "Helm test hook" in err  # what was left out is said, on standard error
    code, out, _ = invoke(".", "--target", "shop-prod", "--include-helm-tests", cwd=repo)
    assert "Pod" in {identity(body)[0] for body in by_target(out, "shop-prod")}


def test_secrets_are_printed_as_rendered(repo: Path) -> None:
    _, out, _ = invoke(".", "--target", "shop-prod", cwd=repo)
    secret = next(b for b in by_target(out, "shop-prod") if b["kind"] == "Secret")
    assert secret["stringData"] == {"password": "changeme"}


def test_multi_line_strings_are_literal_blocks(repo: Path) -> None:
    _, out, _ = invoke(".", "--target", "shop-prod", cwd=repo)
    assert "  app.ini: |\n    [server]\n    port = 8080\n" in out


def test_one_target_by_name(repo: Path) -> None:
    code, out, _ = invoke(".", "--target", "apps/web/overlays/prod", cwd=repo)
    assert code == 0
    assert {c["Target"] for c, _ in objects(out)} == {"apps/web/overlays/prod"}
    assert [identity(b)[0] for _, b in objects(out)] == ["Service", "Deployment"]


def test_an_unknown_target_is_a_usage_error_naming_the_closest(repo: Path) -> None:
    code, out, err = invoke(".", "--target", "shop-prd", cwd=repo)
    assert code == 2
    assert out == ""
    assert "no target named 'shop-prd'" in err
    assert "shop-prod" in err
    assert "apps/web/overlays/prod" not in err.split("closest:")[1].split("(")[0]


def test_a_failing_target_is_exit_1_with_its_line_on_stderr_and_the_rest_printed(repo: Path) -> None:
    write(repo, "charts/broken/Chart.yaml", "apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    write(repo, "charts/broken/templates/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"
          "  a: {{ .Values.missing.deeper }}\n")
    code, out, err = invoke(".", cwd=repo)
    assert code == 1
    assert "charts/broken/templates/cm.yaml:6" in err
    assert "render/helm-template-error" in err
    assert {c["Target"] for c, _ in objects(out)} == {"shop-prod", "apps/web/overlays/prod",
                                                      "manifests/config.yaml"}


def test_output_file(repo: Path) -> None:
    code, out, _ = invoke(".", "-o", "rendered/all.yaml", cwd=repo)
    assert (code, out) == (0, "")
    assert len(objects((repo / "rendered/all.yaml").read_text())) == 8


def test_kubernetes_version_reaches_helm(repo: Path) -> None:
    _, out, _ = invoke(".", "--target", "shop-prod", "-k", "1.31", cwd=repo)
    deployment = next(b for b in by_target(out, "shop-prod") if b["kind"] == "Deployment")
    assert deployment["metadata"]["labels"]["kube"] == "v1.31"


def test_another_configuration_file(repo: Path) -> None:
    write(repo, "other.yaml", CONFIG.replace("shop-prod", "shop-staging"))
    code, out, err = invoke(".", "--config", "other.yaml", "--target", "shop-staging", cwd=repo)
    assert code == 0, err
    deployment = next(b for b in by_target(out, "shop-staging") if b["kind"] == "Deployment")
    assert deployment["metadata"]["namespace"] == "shop-staging"
    write(repo, "bad.yaml", "version: 1\ntargets: {helm: [{name: x}]}\n")
    code, _, err = invoke(".", "--config", "bad.yaml", cwd=repo)
    assert code == 2
    assert "bad.yaml:2" in err


def test_paths_in_comments_open_from_the_working_directory(repo: Path) -> None:
    code, out, _ = invoke("repo/manifests", cwd=repo.parent)
    assert code == 0
    assert [c["Source"] for c, _ in objects(out)] == ["repo/manifests/config.yaml:1",
                                                      "repo/manifests/config.yaml:9"]


def test_the_writer_escapes_comments_and_writes_no_aliases() -> None:
    shared = {"app": "web"}
    text = rendered_yaml([RenderedObject(body={"kind": "X", "a": shared, "b": shared},
                                         source="odd\nname.yaml", line=3, target="t\x1b[31m")])
    assert text.startswith("---\n# Source: odd\\nname.yaml:3\n# Target: t\\x1b[31m\n")
    assert "&" not in text
    assert "*" not in text
    assert yaml.safe_load(text) == {"kind": "X", "a": shared, "b": shared}
    assert rendered_yaml([]) == ""


# --- compared with the tools themselves ------------------------------------------------------


def tool_output(args: list[str], home: Path) -> list[dict[str, Any]]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home),
           "HELM_CACHE_HOME": str(home / "cache"), "HELM_CONFIG_HOME": str(home / "config"),
           "HELM_DATA_HOME": str(home / "data")}
    done = subprocess.run(args, capture_output=True, text=True, check=True, env=env, timeout=120)
    return [body for body in yaml.safe_load_all(done.stdout) if body]


def with_release_namespace(body: dict[str, Any], namespace: str) -> dict[str, Any]:
    """What the validator adds to a ``helm template`` object: the release namespace, on a
    namespaced object that names none (as ``helm install`` places it)."""
    meta = body["metadata"]
    if "namespace" in meta or (api_group(body["apiVersion"]), body["kind"]) in CLUSTER_SCOPED:
        return body
    return {**body, "metadata": {**meta, "namespace": namespace}}


def helm_test_hook(body: Mapping[str, Any]) -> bool:
    return (body["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test"


def test_helm_target_matches_helm_template_object_for_object(repo: Path, tmp_path: Path) -> None:
    helm = str(require_tool(Tool.HELM))
    raw = tool_output([helm, "template", "shop", str(repo / "charts/shop"), "--namespace",
                       "shop-prod", "--values", str(repo / "charts/shop/values-prod.yaml"),
                       "--kube-version", "1.33", "--include-crds"], tmp_path / "home")
    assert any(helm_test_hook(b) for b in raw)
    assert not any("namespace" in b["metadata"] for b in raw)  # helm template sets none
    expected = [with_release_namespace(b, "shop-prod") for b in raw if not helm_test_hook(b)]
    code, out, _ = invoke(".", "--target", "shop-prod", "-k", "1.33", cwd=repo)
    assert code == 0
    assert by_target(out, "shop-prod") == expected  # same objects, same order, same bodies


def test_kustomize_target_matches_kustomize_build_object_for_object(repo: Path, tmp_path: Path) -> None:
    kustomize = str(require_tool(Tool.KUSTOMIZE))
    expected = tool_output([kustomize, "build", str(repo / "apps/web/overlays/prod")],
                           tmp_path / "home")
    code, out, _ = invoke(".", "--target", "apps/web/overlays/prod", cwd=repo)
    assert code == 0
    printed = by_target(out, "apps/web/overlays/prod")
    # the origin annotations the validator builds with are gone again: nothing added
    assert not any("annotations" in b["metadata"] for b in printed)
    assert printed == expected
    assert [b["spec"].get("replicas") for b in printed] == [None, 4]


def test_a_users_own_origin_annotations_are_kept_as_kustomize_prints_them(repo: Path,
                                                                          tmp_path: Path) -> None:
    overlay = repo / "apps/web/overlays/prod/kustomization.yaml"
    overlay.write_text(overlay.read_text() + "buildMetadata: [originAnnotations]\n")
    kustomize = str(require_tool(Tool.KUSTOMIZE))
    expected = tool_output([kustomize, "build", str(overlay.parent)], tmp_path / "home")
    _, out, _ = invoke(".", "--target", "apps/web/overlays/prod", cwd=repo)
    printed = by_target(out, "apps/web/overlays/prod")
    origins = [b["metadata"]["annotations"]["config.kubernetes.io/origin"] for b in printed]
    assert all("path:" in origin for origin in origins)
    assert [b["kind"] for b in printed] == [b["kind"] for b in expected]


# --- the example repository's agent objects ------------------------------------------------------


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    (copy / ".git").mkdir()
    return copy


def test_the_examples_agent_objects_render_and_their_violations_land_on_their_lines(
        examples: Path) -> None:
    _, out, err = invoke(".", cwd=examples)
    targets = {c["Target"] for c, _ in objects(out)}
    assert {"Application argocd/guestbook", "Kustomization flux-system/podinfo"} <= targets, err
    guestbook = by_target(out, "Application argocd/guestbook")
    container = next(b for b in guestbook if b["kind"] == "Deployment")[
        "spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"]["privileged"] is True  # the inline valuesObject
    podinfo = by_target(out, "Kustomization flux-system/podinfo")
    deployment = next(b for b in podinfo if b["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":latest")
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(examples)
    try:
        result = runner.invoke(main, ["check", ".", "-o", "json"], catch_exceptions=False)
    finally:
        os.chdir(old)
    findings = json.loads(result.stdout)["findings"]
    at = {(f["rule_id"], f["path"], f["line"]) for f in findings}
    application = (examples / "argocd/guestbook.yaml").read_text().splitlines()
    kustomization = (examples / "flux/podinfo.yaml").read_text().splitlines()
    privileged = 1 + next(i for i, line in enumerate(application) if line.strip() == "privileged: true")
    tag = 1 + next(i for i, line in enumerate(kustomization) if line.strip() == "podinfo_tag: latest")
    assert ("K8S-001", "argocd/guestbook.yaml", privileged) in at, sorted(at)
    assert any(rule != "K8S-001" and (path, line) == ("flux/podinfo.yaml", tag)
               for rule, path, line in at), sorted(at)


def test_one_target_carries_only_its_own_planning_findings(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(FILES["manifests/config.yaml"])
    (repo / "manifests/escape.yaml").symlink_to(outside)  # refused while planning: a finding
    code, _, err = invoke(".", cwd=repo)
    assert "render/symlink-escape" in err
    assert code == 1
    code, out, err = invoke(".", "--target", "shop-prod", cwd=repo)
    assert (code, "symlink-escape" in err) == (0, False), err
    assert {c["Target"] for c, _ in objects(out)} == {"shop-prod"}
