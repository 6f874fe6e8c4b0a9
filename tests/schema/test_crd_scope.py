"""A CRD decides the resources nearest to it: same target, same top-level folder, schemas/, rest.

Both engines must give the same verdicts; two different schemas for one group,
version and kind are reported as a conflict (a warning on each).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.schema.repo import check, rules_at, write

ENGINES = ["builtin", "kubeconform"]


def crd(size_type: str) -> str:
    return f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: widgets.example.com}}
spec:
  group: example.com
  names: {{kind: Widget, plural: widgets}}
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
                size: {{type: {size_type}}}
"""


def widget(name: str, size: str) -> str:
    return f"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: {name}}}\nspec:\n  size: {size}\n"


def errors(findings: list[dict[str, object]]) -> list[tuple[str, str, int]]:
    return rules_at([f for f in findings if f["severity"] == "error"])


def conflicts(findings: list[dict[str, object]]) -> list[tuple[str, int]]:
    return sorted((str(f["path"]), int(str(f["line"]))) for f in findings
                  if f["rule_id"] == "schema/crd-conflict")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fixture_crd_does_not_judge_other_folders(engine: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "apps/crd.yaml", crd("integer"))
    write(root, "apps/widget.yaml", widget("real", "3"))
    write(root, "apps/wrong.yaml", widget("wrong", "big"))
    write(root, "tests/fixtures/crd.yaml", crd("string"))
    write(root, "tests/fixtures/widget.yaml", widget("fixture", "big"))
    code, findings, output = check(root, engine=engine)
    assert errors(findings) == [("schema/type", "apps/wrong.yaml", 5)], output
    assert conflicts(findings) == [("apps/crd.yaml", 13), ("tests/fixtures/crd.yaml", 13)]
    assert all(f["severity"] == "warning" for f in findings if f["rule_id"] == "schema/crd-conflict")
    assert code == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_schemas_folder_comes_before_a_crd_in_an_unrelated_folder(engine: str, tmp_path: Path
                                                                   ) -> None:
    root = tmp_path / "repo"
    write(root, "schemas/example.com/widget_v1.json", json.dumps({
        "type": "object", "properties": {"spec": {"type": "object", "properties": {
            "size": {"type": "integer"}}}}}))
    write(root, "tests/fixtures/crd.yaml", crd("string"))
    write(root, "apps/widget.yaml", widget("real", "3"))
    write(root, "apps/wrong.yaml", widget("wrong", "big"))
    code, findings, output = check(root, engine=engine, paths=("apps", "tests"))
    assert errors(findings) == [("schema/type", "apps/wrong.yaml", 5)], output
    assert conflicts(findings) == [("schemas/example.com/widget_v1.json", 1),
                                   ("tests/fixtures/crd.yaml", 13)]
    assert code == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_the_crd_of_the_same_target_wins(engine: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for overlay, size_type, good, bad in (("one", "integer", "3", "big"),
                                          ("two", "string", "big", "3")):
        write(root, f"apps/{overlay}/kustomization.yaml",
              "resources: [crd.yaml, good.yaml, bad.yaml]\n")
        write(root, f"apps/{overlay}/crd.yaml", crd(size_type))
        write(root, f"apps/{overlay}/good.yaml", widget(f"good-{overlay}", good))
        write(root, f"apps/{overlay}/bad.yaml", widget(f"bad-{overlay}", bad))
    code, findings, output = check(root, engine=engine)
    assert errors(findings) == [("schema/type", "apps/one/bad.yaml", 5),
                                ("schema/type", "apps/two/bad.yaml", 5)], output
    assert code == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_a_crd_elsewhere_still_serves_when_it_is_the_only_one(engine: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "infrastructure/crds/widget.yaml", crd("integer"))
    write(root, "apps/widget.yaml", widget("real", "big"))
    code, findings, output = check(root, engine=engine)
    assert rules_at(findings) == [("schema/type", "apps/widget.yaml", 5)], output
    assert code == 1
