"""The schema catalog: versions, kubeconform file naming, the on-disk cache, CRD conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from validator.errors import SchemaError
from validator.load import load_bytes
from validator.schema import SchemaCatalog, SchemaSettings, available_versions
from validator.schema.builtin import check_version
from validator.schema.crd import crd_json_schema, crd_versions
from validator.schema.naming import STANDALONE_TEMPLATE, SchemaLocation, is_safe_identity


def test_versions_cover_the_supported_range() -> None:
    versions = available_versions()
    for wanted in ("1.27", "1.30", "1.35"):
        assert wanted in versions


@pytest.mark.parametrize("text", ["1.35", "v1.35.0", "1.35.4", " v1.35 "])
def test_version_spellings(text: str) -> None:
    assert check_version(text) == "1.35"


def test_unknown_version_lists_the_available_ones() -> None:
    with pytest.raises(SchemaError, match=r"no schemas for Kubernetes 1\.99; available: .*1\.35"):
        check_version("1.99")
    with pytest.raises(SchemaError, match="invalid Kubernetes version"):
        check_version("latest")


@pytest.mark.parametrize(("kind", "api_version", "strict", "expected"), [
    ("Deployment", "apps/v1", False, "v1.35.0-standalone/deployment-apps-v1.json"),
    ("ConfigMap", "v1", True, "v1.35.0-standalone-strict/configmap-v1.json"),
    ("ClusterRole", "rbac.authorization.k8s.io/v1", False,
     "v1.35.0-standalone/clusterrole-rbac-v1.json"),
    ("Certificate", "cert-manager.io/v1", False, "v1.35.0-standalone/certificate-cert-manager-v1.json"),
])
def test_kubeconform_file_names(kind: str, api_version: str, strict: bool, expected: str) -> None:
    location = SchemaLocation(root=Path("/c"), layout=STANDALONE_TEMPLATE)
    assert location.path_for(kind, api_version, "1.35", strict) == Path("/c") / expected


@pytest.mark.parametrize(("kind", "api_version", "safe"), [
    ("Deployment", "apps/v1", True),
    ("Widget", "example.com/v1alpha1", True),
    ("../../etc/passwd", "v1", False),
    ("Widget", "../../x/v1", False),
    ("Widget", "a/b/v1", False),
])
def test_identities_used_in_paths_are_checked(kind: str, api_version: str, safe: bool) -> None:
    assert is_safe_identity(kind, api_version) is safe


def test_cache_holds_standalone_schemas(tmp_path: Path) -> None:
    settings = SchemaSettings(kubernetes_version="v1.33.0", strict=True, cache_dir=tmp_path)
    with SchemaCatalog(settings) as catalog:
        found = catalog.prepare([("Deployment", "apps/v1"), ("Nonsense", "v1"),
                                 ("DeploymentSpec", "apps/v1")])
        assert catalog.resolve("Deployment", "apps/v1") == found[("Deployment", "apps/v1")]
        path = found[("Deployment", "apps/v1")]
        assert path is not None
        assert path.relative_to(catalog.kubernetes.root).parts == (
            "v1.33.0-standalone-strict", "deployment-apps-v1.json")
        used = path.read_bytes()
    (cached,) = tmp_path.rglob("deployment-apps-v1.json")
    assert cached.relative_to(tmp_path).parts[1:] == (
        "v1.33.0-standalone-strict", "deployment-apps-v1.json")
    assert cached.read_bytes() == used
    schema = json.loads(used)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    refs = set(_refs(schema))
    assert refs
    assert all(ref.startswith("#/$defs/") for ref in refs)
    assert {ref.removeprefix("#/$defs/") for ref in refs} == set(schema["$defs"])
    assert schema["additionalProperties"] is False
    assert found[("Nonsense", "v1")] is None
    assert found[("DeploymentSpec", "apps/v1")] is None
    assert not list(tmp_path.rglob("*.tmp"))


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def test_crd_conversion_maps_openapi_extensions() -> None:
    openapi = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "port": {"x-kubernetes-int-or-string": True},
                    "note": {"type": "string", "nullable": True, "description": "dropped"},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                             "properties": {"a": {"type": "string"}}},
                    "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                },
            },
        },
    }
    schema = crd_json_schema(openapi, api_version="example.com/v1", kind="Widget", strict=True)
    spec = schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    assert spec["properties"]["port"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert spec["properties"]["note"] == {"type": ["string", "null"]}
    assert "additionalProperties" not in spec["properties"]["free"]
    assert spec["properties"]["ratio"] == {"type": "number", "exclusiveMinimum": 0}
    assert schema["properties"]["kind"] == {"type": "string", "enum": ["Widget"]}
    assert schema["additionalProperties"] is False


def test_a_crd_never_replaces_a_kubernetes_kind(tmp_path: Path) -> None:
    crd = b"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: deployments.apps}
spec:
  group: apps
  names: {kind: Deployment, plural: deployments}
  versions:
    - name: v1
      served: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""
    documents = load_bytes(crd, display_path="crd.yaml").documents
    with SchemaCatalog(SchemaSettings(cache_dir=tmp_path)) as catalog:
        catalog.add_crds(documents)
        path = catalog.prepare([("Deployment", "apps/v1")])[("Deployment", "apps/v1")]
        assert path is not None
        assert path.is_relative_to(catalog.kubernetes.root)


def test_v1beta1_crds_and_unserved_versions() -> None:
    crd = b"""apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata: {name: olds.example.com}
spec:
  group: example.com
  names: {kind: Old, plural: olds}
  validation:
    openAPIV3Schema: {type: object, properties: {spec: {type: object}}}
  versions:
    - {name: v1beta1, served: true, storage: true}
    - {name: v1alpha1, served: false, storage: false}
"""
    body = load_bytes(crd, display_path="crd.yaml").documents[0].body
    versions = list(crd_versions(body))
    assert [(v.api_version, v.kind) for v in versions] == [("example.com/v1beta1", "Old")]
    assert versions[0].schema["properties"] == {"spec": {"type": "object"}}
