"""The loader: documents, load findings and lazy positions, on hand-written inputs."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from validator.load import LoadOptions, load_bytes, load_file
from validator.load.safety import LoadLimits
from validator.model import Severity

DEPLOYMENT = b"""\
# a comment before the object
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:latest
"""


def rules(result: object) -> list[tuple[str, int]]:
    return [(f.rule_id, f.location.line) for f in result.findings]  # type: ignore[attr-defined]


def test_field_path_resolves_to_its_line_and_column() -> None:
    result = load_bytes(DEPLOYMENT, display_path="apps/web.yaml")
    (doc,) = result.documents
    assert result.findings == ()
    image = doc.locate(("spec", "template", "spec", "containers", 0, "image"))
    assert (image.path, image.line, image.column) == ("apps/web.yaml", 12, 11)
    assert image.field == "spec.template.spec.containers[0].image"
    assert doc.locate(()).line == 2  # the object's first line, after the comment
    # a missing field resolves to its deepest existing ancestor
    assert doc.locate(("spec", "template", "spec", "containers", 0, "resources")).line == 11


def test_resource_identity() -> None:
    (doc,) = load_bytes(DEPLOYMENT, display_path="a.yaml").documents
    assert (doc.resource.kind, doc.resource.namespace, doc.resource.name) == (
        "Deployment", "shop", "web")


def test_multi_document_indexes_and_lines() -> None:
    data = DEPLOYMENT + b"---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n"
    docs = load_bytes(data, display_path="m.yaml").documents
    assert [(d.kind, d.index) for d in docs] == [("Deployment", 0), ("Service", 2)]
    assert docs[1].locate(("metadata", "name")).line == 18


def test_kind_list_is_expanded_with_item_positions() -> None:
    data = b"""apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: one}
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: two
"""
    docs = load_bytes(data, display_path="l.yaml").documents
    assert [d.resource.name for d in docs] == ["one", "two"]
    assert docs[1].locate(("metadata", "name")).line == 10
    assert docs[1].locate(()).line == 7


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"---\n", b"\n\n---\n# x\n"])
def test_empty_and_comment_only_files_are_reported_as_skipped(data: bytes) -> None:
    result = load_bytes(data, display_path="e.yaml")
    assert (result.documents, result.findings) == ((), ())
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("e.yaml", "no documents (empty or only comments)")]


def test_kind_and_api_version_must_be_strings() -> None:
    data = b"apiVersion: v1\nkind: 5\n---\napiVersion: [v1]\nkind: ConfigMap\n"
    result = load_bytes(data, display_path="k.yaml")
    assert [(f.rule_id, f.location.line, f.message) for f in result.findings] == [
        ("load/invalid-kind", 2, "'kind' must be a string, not a number"),
        ("load/invalid-apiversion", 4, "'apiVersion' must be a string, not a sequence")]


def test_missing_kind_and_api_version_are_reported_not_dropped() -> None:
    data = b"apiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n"
    result = load_bytes(data, display_path="x.yaml")
    assert rules(result) == [("load/missing-kind", 1), ("load/missing-apiversion", 4)]
    assert all(f.severity is Severity.ERROR for f in result.findings)


def test_skip_non_kubernetes_reports_skipped() -> None:
    result = load_bytes(b"foo: bar\n", display_path="c.yaml",
                        options=LoadOptions(skip_non_kubernetes=True))
    assert result.findings == ()
    assert [s.path for s in result.skipped] == ["c.yaml:1"]


def test_non_mapping_document_is_skipped_not_an_error() -> None:
    result = load_bytes(b"- a\n- b\n", display_path="s.yaml")  # an Ansible playbook, say
    assert rules(result) == []
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("s.yaml:1", "document 1 is a sequence, not a Kubernetes object")]


def test_syntax_error_has_the_parser_line_and_keeps_earlier_documents() -> None:
    data = DEPLOYMENT + b"---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: c\n"
    result = load_bytes(data, display_path="bad.yaml")
    assert [d.kind for d in result.documents] == ["Deployment"]
    ((rule, line),) = rules(result)
    assert rule == "load/syntax"
    assert line == 18
    assert "not checked" in result.findings[0].message


@pytest.mark.parametrize(("strict", "severity"), [(False, Severity.WARNING), (True, Severity.ERROR)])
def test_duplicate_keys(strict: bool, severity: Severity) -> None:
    data = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    result = load_bytes(data, display_path="d.yaml", options=LoadOptions(strict=strict))
    (finding,) = result.findings
    assert (finding.rule_id, finding.location.line, finding.severity) == (
        "load/duplicate-key", 5, severity)
    assert result.documents[0].resource.name == "b"


def test_merge_keys_are_not_duplicates() -> None:
    data = b"base: &b {x: 1, z: 2}\nkind: A\napiVersion: v1\nobj:\n  <<: *b\n  x: 3\n"
    result = load_bytes(data, display_path="m.yaml")
    assert result.findings == ()
    assert result.documents[0].body["obj"] == {"x": 3, "z": 2}


def test_billion_laughs_fails_fast_with_bounded_memory() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = load_bytes("\n".join(lines).encode(), display_path="bomb.yaml")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert rules(result) == [("load/limit", 1)]
    assert "billion laughs" in result.findings[0].message
    assert grown_kib < 100_000  # the 387-million-node expansion never happened


def test_recursive_alias_and_deep_nesting_hit_the_depth_limit() -> None:
    result = load_bytes(b"a: &x [*x]\n", display_path="r.yaml")
    assert rules(result) == [("load/limit", 1)]
    deep = ("apiVersion: v1\nkind: X\nx: " + "[" * 150 + "]" * 150 + "\n").encode()
    assert rules(load_bytes(deep, display_path="d.yaml"))[0][0] == "load/limit"
    shallow = LoadLimits(max_depth=1000)
    assert load_bytes(deep, display_path="d.yaml",
                      options=LoadOptions(limits=shallow)).findings == ()


def test_invalid_utf8_names_the_line() -> None:
    result = load_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \xff\xfe\n",
                        display_path="u.yaml")
    assert [(f.rule_id, f.location.line, f.location.column) for f in result.findings] == [
        ("load/encoding", 4, 6)]


def test_file_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: b\n" * 100)
    result = load_file(big, display_path="big.yaml",
                       options=LoadOptions(limits=LoadLimits(max_file_bytes=100)))
    assert rules(result) == [("load/too-large", 0)]


def test_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    result = load_file(tmp_path / "gone.yaml", display_path="gone.yaml")
    assert rules(result) == [("load/unreadable", 0)]


def test_dates_stay_strings_as_in_kubernetes() -> None:
    (doc,) = load_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata:\n  day: 2024-01-31\n",
                        display_path="t.yaml").documents
    assert doc.body["data"]["day"] == "2024-01-31"


def test_json_documents_and_positions() -> None:
    data = b'{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "j"}\n}\n'
    (doc,) = load_bytes(data, display_path="c.json").documents
    assert doc.locate(("metadata", "name")).line == 4
    bad = load_bytes(b'{"a": 1,,}', display_path="b.json")
    assert rules(bad) == [("load/syntax", 1)]


@pytest.mark.parametrize(("value", "message"), [
    ("!!bool maybe", "'maybe' is not a valid bool"), ("!!int abc", "'abc' is not a valid int"),
    ("!!float x", "'x' is not a valid float")])
def test_bad_explicitly_tagged_values_are_findings(value: str, message: str) -> None:
    result = load_bytes(f"apiVersion: v1\nkind: A\nx: {value}\n".encode(), display_path="t.yaml")
    assert [(f.rule_id, f.location.line) for f in result.findings] == [("load/syntax", 3)]
    assert message in result.findings[0].message


def test_unknown_tag_is_a_finding_with_its_line() -> None:
    result = load_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata: !Ref x\n", display_path="t.yaml")
    assert rules(result) == [("load/syntax", 3)]


@pytest.mark.parametrize(("body", "ready"), [
    (b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: '1'\n  n: 1.5\n", True),
    (b"apiVersion: v1\nkind: ConfigMap\nspec:\n  n: .nan\n", False),
    (b"apiVersion: v1\nkind: ConfigMap\nspec:\n  n: -.inf\n", False),
    (b"apiVersion: v1\nkind: ConfigMap\nspec:\n  1: one\n", True),  # keys are read as strings
    (b"apiVersion: v1\nkind: ConfigMap\nb: &b {x: 1}\nspec:\n  <<: *b\n", False),
    (b'{"apiVersion": "v1", "kind": "ConfigMap"}', False),
])
def test_json_ready_is_only_claimed_when_proven(body: bytes, ready: bool) -> None:
    path = "x.json" if body.startswith(b"{") else "x.yaml"
    (doc,) = load_bytes(body, display_path=path).documents
    assert doc.json_ready is ready


def test_gc_pauses_nest_and_the_collector_resumes_after_the_last() -> None:
    import gc  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from validator.load.safety import gc_paused  # noqa: PLC0415

    assert gc.isenabled()
    inner_started, outer_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_run() -> None:
        with gc_paused():
            inner_started.set()
            outer_done.wait(5)
            seen.append(gc.isenabled())  # the first run ended; this one still holds the pause

    with gc_paused():
        worker = threading.Thread(target=other_run)
        worker.start()
        inner_started.wait(5)
    outer_done.set()
    worker.join(5)
    assert seen == [False]
    assert gc.isenabled()
