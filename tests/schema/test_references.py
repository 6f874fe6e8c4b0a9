"""Schemas taken from checked content never resolve a reference outside themselves.

A CRD, or a JSON schema in the repository's ``schemas/`` folder, may point ``$ref``
(or ``$dynamicRef``, ``$recursiveRef``, a ``$id`` base, a ``$schema`` meta-schema)
at a local file or a URL. Neither engine may read the file or open a connection:
the reference is a finding on the line that holds it, and the resources of that
schema are errors (never passed unchecked).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.schema.repo import check, rules_at, write
from tests.support.listener import Listener, loopback_listener

ENGINES = ["builtin", "kubeconform"]
CANARY = "SECRET-CANARY-7f3a9c"

CRD = """\
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
                secret:
                  $ref: "file://{secret}"
                remote:
                  $ref: "{url}/widget.json#/properties/x"
                dynamic:
                  $dynamicRef: "{url}/dyn.json"
                recursive:
                  $recursiveRef: "#"
                fine:
                  type: string
---
apiVersion: example.com/v1
kind: Widget
metadata: {{name: w}}
spec:
  secret: nope
  remote: nope
"""

SCHEMA_FILE = {
    "$schema": "{url}/meta-schema.json",
    "$id": "{url}/base/",
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "relative": {"$ref": "relative.json"},
                "secret": {"$ref": "file://{secret}"},
                "local": {"$ref": "#/$defs/name"},
            },
        },
    },
    "$defs": {"name": {"type": "string"}},
}

GADGET = """\
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
spec:
  relative: x
  secret: x
  local: fine
"""


def secret_file(tmp_path: Path) -> Path:
    """A schema outside the repository whose content must never show up anywhere."""
    path = tmp_path / "outside" / "secret.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"enum": [CANARY]}))
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def crd_repo(tmp_path: Path, listener: Listener) -> tuple[Path, str]:
    root = tmp_path / "repo"
    text = CRD.format(secret=secret_file(tmp_path), url=listener.url)
    write(root, "crds/widget.yaml", text)
    return root, text


@pytest.mark.parametrize("engine", ENGINES)
def test_crd_references_outside_itself_are_refused(engine: str, tmp_path: Path) -> None:
    with loopback_listener() as listener:
        root, text = crd_repo(tmp_path, listener)
        code, findings, output = check(root, engine=engine)
        assert listener.connections == []
    assert code == 1, output
    assert CANARY not in output
    assert "LEAKED-FROM-LISTENER" not in output
    refused = [("schema/remote-reference", "crds/widget.yaml", line_of(text, needle))
               for needle in ("$ref: \"file://", "$ref: \"http://", "$dynamicRef", "$recursiveRef")]
    widget = ("schema/error", "crds/widget.yaml", line_of(text, "metadata: {name: w}") - 2)
    assert rules_at(findings) == sorted([*refused, widget])
    message = next(f["message"] for f in findings if f["rule_id"] == "schema/error")
    assert "refused" in message
    assert "remote schema reference refused" in next(
        f["message"] for f in findings if f["rule_id"] == "schema/remote-reference")


@pytest.mark.parametrize("engine", ENGINES)
def test_schema_dir_references_and_id_and_schema_tricks_are_refused(engine: str, tmp_path: Path
                                                                     ) -> None:
    with loopback_listener() as listener:
        root = tmp_path / "repo"
        raw = json.dumps(SCHEMA_FILE, indent=2).replace("{url}", listener.url).replace(
            "{secret}", str(secret_file(tmp_path)))
        write(root, "schemas/example.com/gadget_v1.json", raw)
        write(root, "apps/gadget.yaml", GADGET)
        code, findings, output = check(root, paths=("apps",), engine=engine)
        assert listener.connections == []
    assert code == 1, output
    assert CANARY not in output
    path = "schemas/example.com/gadget_v1.json"
    refused = [("schema/remote-reference", path, line_of(raw, needle))
               for needle in ('"$schema"', '"relative.json"', '"file://')]
    assert rules_at(findings) == sorted([*refused, ("schema/error", "apps/gadget.yaml", 1)])


@pytest.mark.parametrize("engine", ENGINES)
def test_in_document_references_still_work(engine: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    schema = {"type": "object", "properties": {"spec": {"$ref": "#/$defs/spec"}},
              "$defs": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}
    write(root, "schemas/example.com/gadget_v1.json", json.dumps(schema, indent=2))
    write(root, "apps/gadget.yaml", "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n"
                                    "spec:\n  size: big\n")
    code, findings, output = check(root, paths=("apps",), engine=engine)
    assert code == 1, output
    assert rules_at(findings) == [("schema/type", "apps/gadget.yaml", 5)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_schema_file_nested_too_deep_is_a_finding_not_a_crash(engine: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "schemas/example.com/gadget_v1.json",
          '{"properties": {"a": ' * 700 + "{}" + "}}" * 700)
    write(root, "apps/gadget.yaml", GADGET)
    code, findings, output = check(root, paths=("apps",), engine=engine)
    assert code == 1, output
    assert rules_at(findings) == [("schema/error", "schemas/example.com/gadget_v1.json", 1),
                                  ("schema/missing", "apps/gadget.yaml", 1)]
    assert any(f["message"].startswith("not a readable JSON schema") for f in findings)


def test_a_crd_shared_by_two_targets_is_reported_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    with loopback_listener() as listener:
        text = CRD.format(secret=secret_file(tmp_path), url=listener.url)
        write(root, "base/widget.yaml", text)
        write(root, "base/kustomization.yaml", "resources: [widget.yaml]\n")
        for overlay in ("dev", "prod"):
            write(root, f"{overlay}/kustomization.yaml", "resources: [../base]\n")
        code, findings, output = check(root, paths=("dev", "prod"))
        assert listener.connections == []
    refused = [f for f in findings if f["rule_id"] == "schema/remote-reference"]
    assert len(refused) == 4, output
    assert code == 1
