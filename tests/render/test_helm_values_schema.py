"""A chart's ``values.schema.json`` is checked by the validator, never by helm, and never leaves itself.

helm template runs with ``--skip-schema-validation``; the merged values (chart
``values.yaml`` and the target's values files, merged as helm merges them) are
validated in process with a retriever that refuses everything, each violation a
finding on the values file line that set the value.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.schema.repo import check, rules_at, write
from tests.support.listener import loopback_listener
from validator.process import Command, run
from validator.render.helm import helm_command
from validator.render.helm_values_schema import check_values_schema, merged_values
from validator.render.settings import RenderSettings
from validator.render.targets import Target, TargetKind

CANARY = "SECRET-CANARY-values-51d2"

CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  replicas: {{ .Values.replicas | quote }}
"""
CONFIG = """\
version: 1
targets:
  helm:
    - chart: charts/web
      name: web-prod
      values: [values-prod.yaml]
"""


def chart(root: Path, schema: Mapping[str, object], values: str, prod: str) -> str:
    """A chart with ``schema``; returns the schema's text."""
    text = json.dumps(schema, indent=2)
    write(root, "charts/web/Chart.yaml", CHART)
    write(root, "charts/web/templates/cm.yaml", TEMPLATE)
    write(root, "charts/web/values.yaml", values)
    write(root, "charts/web/values-prod.yaml", prod)
    write(root, "charts/web/values.schema.json", text)
    write(root, ".gitops-validator.yaml", CONFIG)
    return text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_helm_runs_without_its_own_schema_validation(tmp_path: Path) -> None:
    target = Target(kind=TargetKind.HELM, path="charts/web", name="web", reason="test",
                    release_name="web", namespace="default")
    command = helm_command(target, root=tmp_path, settings=RenderSettings(), home=tmp_path)
    assert "--skip-schema-validation" in command.args


def test_remote_and_file_refs_in_values_schema_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.json"
    secret.parent.mkdir()
    secret.write_text(json.dumps({"enum": [CANARY]}))
    root = tmp_path / "repo"
    with loopback_listener() as listener:
        schema = {
            "$schema": f"{listener.url}/meta.json",
            "type": "object",
            "properties": {
                "replicas": {"$ref": f"{listener.url}/replicas.json"},
                "secret": {"$ref": f"file://{secret}"},
                "dynamic": {"$dynamicRef": "#meta"},
            },
        }
        text = chart(root, schema, "replicas: 1\nsecret: x\n", "replicas: 2\n")
        code, findings, output = check(root)
        assert listener.connections == []
    assert CANARY not in output
    assert "LEAKED-FROM-LISTENER" not in output
    path = "charts/web/values.schema.json"
    assert rules_at(findings) == sorted(
        ("schema/remote-reference", path, line_of(text, needle))
        for needle in ('"$schema"', "replicas.json", "file://", "$dynamicRef"))
    assert code == 1


@pytest.mark.parametrize("engine", ["builtin", "kubeconform"])
def test_values_violations_point_at_the_values_file_line(engine: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["replicas", "image"],
        "properties": {
            "replicas": {"type": "integer", "minimum": 1},
            "image": {"type": "object", "properties": {"tag": {"type": "string"}}},
            "debug": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    text = chart(root, schema, "replicas: 1\nimage:\n  tag: v1\ndebug: false\n",
                 "replicas: 0\nimage:\n  tag: 7\ndebug: null\nextra: yes\n")
    code, findings, output = check(root, engine=engine)
    assert code == 1, output
    prod = "charts/web/values-prod.yaml"
    assert rules_at(findings) == [
        ("schema/values", prod, 1), ("schema/values", prod, 3), ("schema/values", prod, 5)], output
    assert text  # debug: null removes the chart default, as helm merges values
    messages = {f["line"]: f["message"] for f in findings}
    assert "replicas" in messages[1]
    assert "image.tag" in messages[3]
    assert "extra" in messages[5]
    assert {f["target"] for f in findings} == {"web-prod"}


SUB_SCHEMA = {"type": "object", "required": ["port"],
              "properties": {"port": {"type": "integer"}, "enabled": {"type": "boolean"}}}
PARENT_CHART = """\
apiVersion: v2
name: web
version: 0.1.0
dependencies:
  - {name: sub, version: 0.1.0, alias: db, condition: db.enabled}
  - {name: sub, version: 0.1.0, alias: spare, condition: spare.enabled}
"""


def subchart_repo(root: Path, prod: str) -> None:
    chart(root, {"type": "object"}, "replicas: 1\n", prod)
    write(root, "charts/web/Chart.yaml", PARENT_CHART)
    write(root, "charts/web/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    write(root, "charts/web/charts/sub/values.yaml", "port: 5432\n")
    write(root, "charts/web/charts/sub/values.schema.json", json.dumps(SUB_SCHEMA))


def helm_itself_fails(root: Path) -> bool:
    """Whether helm's own schema validation (no --skip-schema-validation) rejects the values."""
    target = Target(kind=TargetKind.HELM, path="charts/web", name="web", reason="test",
                    release_name="web", namespace="default",
                    values_files=("charts/web/values-prod.yaml",))
    home = root.parent / "helm-home"
    home.mkdir(exist_ok=True)
    command = helm_command(target, root=root, settings=RenderSettings(), home=home)
    args = tuple(a for a in command.args if a != "--skip-schema-validation")
    result = run(Command(args=args, cwd=home, env=command.env, ok_codes=frozenset({0, 1})))
    return result.returncode != 0


@pytest.mark.parametrize(("prod", "expected"), [
    ("db: {port: x}\nspare: {enabled: false, port: y}\n", [1]),
    ("db: {port: 5433}\nspare: {enabled: false, port: y}\n", []),
    ("db: {port: 5433}\nspare: {port: y}\n", [2]),
    ("db: {enabled: false, port: x}\nspare: {enabled: false}\n", []),
])
def test_subchart_schemas_are_checked_like_helm(prod: str, expected: list[int], tmp_path: Path
                                                ) -> None:
    root = tmp_path / "repo"
    subchart_repo(root, prod)
    result = check_values_schema(root, "charts/web", ("charts/web/values-prod.yaml",), target="web")
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("schema/values", "charts/web/values-prod.yaml")] * len(expected)
    assert [f.location.line for f in result.findings] == expected
    assert helm_itself_fails(root) is bool(expected)


def test_packed_subchart_schema_refs_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    with loopback_listener() as listener:
        chart(root, {"type": "object"}, "replicas: 1\n", "replicas: 2\n")
        archive = root / "charts/web/charts/pk-0.1.0.tgz"
        archive.parent.mkdir()
        with tarfile.open(archive, "w:gz") as packed:
            for name, text in (("pk/Chart.yaml", "apiVersion: v2\nname: pk\nversion: 0.1.0\n"),
                               ("pk/values.schema.json",
                                json.dumps({"properties": {"a": {"$ref": f"{listener.url}/a"}}})),
                               ("pk/charts/deep/Chart.yaml",
                                "apiVersion: v2\nname: deep\nversion: 0.1.0\n"),
                               ("pk/charts/deep/values.schema.json", "{}")):
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                packed.addfile(info, io.BytesIO(data))
        code, findings, output = check(root)
        assert listener.connections == []
    assert rules_at(findings) == [("schema/remote-reference", "charts/web/charts/pk-0.1.0.tgz", 0)], output
    assert code == 1, output
    result = check_values_schema(root, "charts/web", (), target="web")
    assert [s.path for s in result.skipped] == [
        "charts/web/charts/pk-0.1.0.tgz!pk/charts/deep/values.schema.json"]


def test_merged_values_follow_helm(tmp_path: Path) -> None:
    write(tmp_path, "values.yaml", "a: {b: 1, c: 2}\nd: 3\ne: 4\n")
    write(tmp_path, "one.yaml", "a: {b: 10}\nd: null\n")
    write(tmp_path, "two.yaml", "a: {c: 20}\nf: 5\n")
    assert merged_values(tmp_path, ["values.yaml", "one.yaml", "two.yaml"]) == {
        "a": {"b": 10, "c": 20}, "e": 4, "f": 5}


def test_a_values_schema_too_deep_to_read_is_a_finding(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    chart(root, {"type": "object"}, "replicas: 1\n", "replicas: 2\n")
    write(root, "charts/web/values.schema.json", '{"properties": {"a": ' * 700 + "{}" + "}}" * 700)
    result = check_values_schema(root, "charts/web", (), target="web")
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("schema/values-schema-invalid", "charts/web/values.schema.json")]
