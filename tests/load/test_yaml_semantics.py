"""Plain scalars and keys are read as the Go Kubernetes tools read them (see docs/yaml.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.render.helpers import write
from validator.load import load_bytes
from validator.process import Command, run
from validator.tools import Tool, require_tool

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def body(text: str) -> dict[str, object]:
    result = load_bytes((HEAD + text).encode(), display_path="s.yaml")
    assert result.findings == ()
    (document,) = result.documents
    return dict(document.body)


@pytest.mark.parametrize(("written", "read"), [
    ("=", "="),                       # PyYAML's YAML 1.1 !!value tag: a string everywhere in Go
    ("1:20", "1:20"),                 # sexagesimal: gone from YAML 1.2, never in go-yaml
    ("190:20:30.15", "190:20:30.15"),
    ("1e68", 1e68),                   # YAML 1.2 / go-yaml floats need no dot
    ("1E3", 1000.0),
    ("-2.5e-3", -0.0025),
    ("0o14", 12),                     # YAML 1.2 octal
    ("012", 10),                      # YAML 1.1 octal, kept by go-yaml v2 and v3
    ("0x1F", 31),
    ("0b101", 5),
    ("1_000", 1000),
    ("True", True),
    ("~", None),
    ("2020-01-01", "2020-01-01"),     # timestamps stay strings
    ("yes", True), ("on", True), ("y", True), ("No", False), ("off", False), ("n", False),
])
def test_plain_scalars(written: str, read: object) -> None:
    value = body(f"v: {written}\n")["v"]
    assert value == read
    assert type(value) is type(read)


def test_keys_are_the_strings_kubernetes_sees() -> None:
    data = body("data:\n  1: one\n  true: yes-key\n  '1.5': quoted\n  012: octal\n  ~: null-key\n")
    assert data["data"] == {"1": "one", "true": "yes-key", "1.5": "quoted", "10": "octal",
                            "null": "null-key"}


def test_keys_one_and_true_do_not_collide() -> None:
    result = load_bytes((HEAD + "data:\n  1: a\n  true: b\n").encode(), display_path="k.yaml")
    assert result.findings == ()
    assert result.documents[0].body["data"] == {"1": "a", "true": "b"}
    assert result.documents[0].json_ready


def test_keys_are_strings_with_merge_keys_too() -> None:
    data = body("base: &b {1: a}\ndata:\n  <<: *b\n  true: b\n")
    assert data["data"] == {"1": "a", "true": "b"}


def test_a_set_is_read_as_go_reads_it_a_mapping_of_nulls() -> None:
    assert body("data: !!set {a, b}\n")["data"] == {"a": None, "b": None}


@pytest.mark.parametrize(("written", "read"), [
    ("=", "="), ("1:20", "1:20"), ("1e68", 1e68), ("0o14", 12), ("012", 10), ("0x1F", 31),
    ("True", True)])
def test_values_kustomize_reads_the_same(written: str, read: object, tmp_path: Path) -> None:
    """The real kustomize (kyaml, YAML 1.2) agrees with the loader on these."""
    write(tmp_path, "kustomization.yaml", "resources: [cm.yaml]\n")
    write(tmp_path, "cm.yaml", HEAD + f"spec:\n  v: {written}\n")
    output = run(Command(args=(str(require_tool(Tool.KUSTOMIZE)), "build", str(tmp_path)),
                         cwd=tmp_path, timeout=60)).stdout
    rendered = load_bytes(output, display_path="out.yaml").documents[0].body["spec"]["v"]
    assert rendered == read == body(f"v: {written}\n")["v"]
    json.dumps(rendered)
