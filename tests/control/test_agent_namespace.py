"""Policies see the namespace the agent would apply: the Helm target's, the overlay's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_cli import invoke
from tests.hostile.cases_control import odd_helm_metadata
from validator.load import Document
from validator.load.positions import TextLocator
from validator.render.namespaces import cluster_scoped_crds, in_release_namespace

LIBRARY = Path(__file__).resolve().parents[2] / "policies"

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
    "values.yaml": "replicas: 1\n",
    # Neither template sets metadata.namespace: helm installs namespaced objects into
    # the release namespace.
    "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata: {a: b}\n",
    "templates/role.yaml": ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                            "metadata:\n  name: api-reader\nrules: []\n"),
    "templates/explicit.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"
                                "  namespace: elsewhere\ndata: {a: b}\n"),
}
CONFIG = """\
targets:
  helm:
    - chart: charts/api
      name: api-prod
      namespace: api-prod
"""
BASE = {
    "kustomization.yaml": "resources: [cm.yaml]\n",
    "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata: {a: b}\n",
}
OVERLAY = "namespace: web-{env}\nresources: [../../base]\n"


def document(body: dict[str, object]) -> Document:
    return Document(body=body, path="x.yaml", index=0, locator=TextLocator("", path="x.yaml"))


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {f"charts/api/{name}": text for name, text in CHART.items()})
    _write(tmp_path, {f"web/base/{name}": text for name, text in BASE.items()})
    for env in ("dev", "prod"):
        _write(tmp_path, {f"web/overlays/{env}/kustomization.yaml": OVERLAY.format(env=env)})
    return tmp_path


def _check(repo: Path, *args: str) -> dict[str, object]:
    code, out, err = invoke("check", str(repo), "--policy", str(LIBRARY), "--namespace",
                            "k8s.namespace", "-o", "json", *args)
    assert code in (0, 1), err
    document = json.loads(out)
    assert isinstance(document, dict)
    return document


def test_helm_objects_without_a_namespace_are_in_the_release_namespace(repo: Path) -> None:
    document = _check(repo)
    findings = document["findings"]
    assert isinstance(findings, list)
    assert [f for f in findings if f["rule_id"] == "K8S-016"] == []


def test_helm_release_namespace_in_config_applies(repo: Path) -> None:
    (repo / ".gitops-validator.yaml").write_text(CONFIG)
    (repo / "charts" / "api" / "templates" / "bad.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata: {a: 1}\n")
    findings = _check(repo)["findings"]
    assert isinstance(findings, list)
    schema = [f for f in findings if f["rule_id"].startswith("schema/")]
    assert [f["resource"]["namespace"] for f in schema] == ["api-prod"]
    assert [f for f in findings if f["rule_id"] == "K8S-016"] == []


def test_cluster_scoped_and_explicit_namespaces_are_kept() -> None:

    role = document({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                     "metadata": {"name": "r"}})
    explicit = document({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "c", "namespace": "elsewhere"}})
    plain = document({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    odd = document({"apiVersion": "v1", "kind": "ConfigMap", "metadata": "not a mapping"})
    assert in_release_namespace(role, "ns").body == role.body
    assert in_release_namespace(explicit, "ns").resource.namespace == "elsewhere"
    assert in_release_namespace(plain, "ns").resource.namespace == "ns"
    assert plain.resource.namespace == ""  # the original is not changed
    assert in_release_namespace(odd, "ns").body == odd.body


def test_overlay_namespace_is_what_policies_see(repo: Path) -> None:
    findings = _check(repo)["findings"]
    assert isinstance(findings, list)
    assert [f for f in findings if f["path"].startswith("web/")] == []


def test_custom_kinds_declared_cluster_scoped_keep_no_namespace() -> None:

    crd = document({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": {"name": "widgets.example.com"},
                    "spec": {"group": "example.com", "scope": "Cluster",
                             "names": {"kind": "Widget", "plural": "widgets"}}})
    widget = document({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    gadget = document({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}})
    scoped = cluster_scoped_crds([crd, widget])
    assert scoped == {("example.com", "Widget")}
    assert in_release_namespace(widget, "ns", scoped).resource.namespace == ""
    assert in_release_namespace(gadget, "ns", scoped).resource.namespace == "ns"


def test_odd_metadata_from_a_chart_is_reported_not_fatal(tmp_path: Path) -> None:
    odd_helm_metadata(tmp_path)
    code, out, err = invoke("check", str(tmp_path), "--no-policy", "-o", "json")
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert findings, out
    assert all(f["rule_id"] != "render/internal-error" for f in findings)
    assert "Traceback" not in err
