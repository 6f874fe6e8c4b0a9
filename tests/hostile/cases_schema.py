"""Hostile schemas: CRDs, schema-directory files and chart values schemas that reach outside.

Each reference points at a local file outside the repository or at a closed
loopback port; the validator must refuse them (findings), read nothing and connect
nowhere, and still report the known-bad manifest. The listener-based proofs (zero
connections, no leaked content) are in ``tests/schema/test_references.py`` and
``tests/render/test_helm_values_schema.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.hostile.gallery import hostile

_CLOSED = "http://127.0.0.1:9"


@hostile("crd-remote-and-file-refs")
def crd_refs(folder: Path) -> None:
    (folder / "crd.yaml").write_text(f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: traps.example.com}}
spec:
  group: example.com
  names: {{kind: Trap, plural: traps}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            a: {{$ref: "file:///etc/passwd"}}
            b: {{$ref: "{_CLOSED}/x.json"}}
            c: {{$dynamicRef: "{_CLOSED}/y.json"}}
            d: {{$schema: "{_CLOSED}/meta.json", type: string}}
---
apiVersion: example.com/v1
kind: Trap
metadata: {{name: t}}
a: 1
""")


@hostile("schema-dir-id-and-ref-tricks")
def schema_dir_refs(folder: Path) -> None:
    # the repository's own schemas/ folder, beside the case folder
    schemas = folder.parent / "schemas" / "example.com"
    schemas.mkdir(parents=True, exist_ok=True)
    (schemas / "snare_v1.json").write_text(json.dumps({
        "$schema": f"{_CLOSED}/meta.json", "$id": f"{_CLOSED}/base/", "type": "object",
        "properties": {"a": {"$ref": "relative.json"}, "b": {"$ref": "file:///etc/passwd#/x"},
                       "c": {"$recursiveRef": "#"}},
    }, indent=2))
    (folder / "snare.yaml").write_text("apiVersion: example.com/v1\nkind: Snare\nmetadata: {name: s}\n"
                                       "a: 1\n")


@hostile("values-schema-remote-refs")
def values_schema_refs(folder: Path) -> None:
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: snare\nversion: 0.1.0\n")
    (folder / "values.yaml").write_text("replicas: 1\n")
    (folder / "templates").mkdir()
    (folder / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: snare}\n"
        "data: {replicas: {{ .Values.replicas | quote }}}\n")
    (folder / "values.schema.json").write_text(json.dumps({
        "$schema": f"{_CLOSED}/meta.json", "$id": f"{_CLOSED}/base/",
        "properties": {"replicas": {"$ref": "file:///etc/passwd"}, "x": {"$ref": "other.json"},
                       "y": {"$dynamicRef": "#meta"}},
    }, indent=2))


@hostile("crd-shadowing-kubernetes-and-conflicting")
def crd_shadow(folder: Path) -> None:
    # a CRD claiming apps/v1 Deployment (must not replace Kubernetes' own schema, or the
    # known-bad replicas would pass) and two differing CRDs of one kind (a conflict)
    permissive = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {name}}}
spec:
  group: {group}
  names: {{kind: {kind}, plural: x}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {{openAPIV3Schema: {{type: object, {extra}}}}}
"""
    (folder / "shadow.yaml").write_text(permissive.format(
        name="deployments.apps", group="apps", kind="Deployment",
        extra="x-kubernetes-preserve-unknown-fields: true"))
    (folder / "one.yaml").write_text(permissive.format(
        name="gizmos.example.com", group="example.com", kind="Gizmo", extra="maxProperties: 1"))
    (folder / "two.yaml").write_text(permissive.format(
        name="gizmos.example.com", group="example.com", kind="Gizmo", extra="maxProperties: 2"))


def _deep_schema(depth: int) -> str:
    return '{"properties": {"a": ' * depth + '{"type": "string"}' + "}}" * depth


@hostile("schema-dir-deeply-nested")
def schema_dir_deep(folder: Path) -> None:
    schemas = folder.parent / "schemas" / "example.com"
    schemas.mkdir(parents=True, exist_ok=True)
    (schemas / "abyss_v1.json").write_text(_deep_schema(700))
    (folder / "abyss.yaml").write_text("apiVersion: example.com/v1\nkind: Abyss\nmetadata: {name: a}\n")


@hostile("values-schema-deeply-nested")
def values_schema_deep(folder: Path) -> None:
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: abyss\nversion: 0.1.0\n")
    (folder / "values.yaml").write_text("a: 1\n")
    (folder / "values.schema.json").write_text(_deep_schema(700))
