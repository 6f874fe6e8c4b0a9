"""Integers outside the ``int32``/``int64`` formats a schema declares are findings in both engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.schema.repo import check, rules_at, write

ENGINES = ["builtin", "kubeconform"]

DEPLOYMENT_JSON = """{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web"},
  "spec": {
    "replicas": 1e68,
    "selector": {"matchLabels": {"app": "web"}},
    "template": {"metadata": {"labels": {"app": "web"}},
                 "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
  }
}
"""

DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: nginx}}]
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: counters.example.com}
spec:
  group: example.com
  names: {kind: Counter, plural: counters}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                small: {type: integer, format: int32}
                big: {type: integer, format: int64}
---
apiVersion: example.com/v1
kind: Counter
metadata: {name: c}
spec:
  small: 2147483648
  big: 9223372036854775808
---
apiVersion: example.com/v1
kind: Counter
metadata: {name: ok}
spec:
  small: -2147483648
  big: -4611686018427387904
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_json_1e68_replicas_is_out_of_int32_range(engine: str, tmp_path: Path) -> None:
    write(tmp_path / "repo", "deploy.json", DEPLOYMENT_JSON)
    code, findings, output = check(tmp_path / "repo", engine=engine)
    assert code == 1, output
    assert rules_at(findings) == [("schema/maximum", "deploy.json", 6)]
    assert findings[0]["message"] == "spec.replicas: must be <= 2147483647"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("replicas", ["1.0e+68", "2147483648", "-2147483649"])
def test_yaml_replicas_out_of_int32_range(engine: str, replicas: str, tmp_path: Path) -> None:
    write(tmp_path / "repo", "deploy.yaml", DEPLOYMENT_YAML.format(replicas=replicas))
    code, findings, output = check(tmp_path / "repo", engine=engine)
    assert code == 1, output
    rule = "schema/minimum" if replicas.startswith("-") else "schema/maximum"
    assert rules_at(findings) == [(rule, "deploy.yaml", 5)]


@pytest.mark.parametrize("engine", ENGINES)
def test_in_range_replicas_pass(engine: str, tmp_path: Path) -> None:
    write(tmp_path / "repo", "deploy.yaml", DEPLOYMENT_YAML.format(replicas="2147483647"))
    code, findings, output = check(tmp_path / "repo", engine=engine)
    assert (code, findings) == (0, []), output


@pytest.mark.parametrize("engine", ENGINES)
def test_crd_int32_and_int64_formats(engine: str, tmp_path: Path) -> None:
    write(tmp_path / "repo", "counter.yaml", CRD)
    code, findings, output = check(tmp_path / "repo", engine=engine)
    assert code == 1, output
    assert rules_at(findings) == [("schema/maximum", "counter.yaml", 26),
                                  ("schema/maximum", "counter.yaml", 27)]
    messages = sorted(f["message"] for f in findings)
    assert messages == ["spec.big: must be <= 9223372036854775807",
                        "spec.small: must be <= 2147483647"]
