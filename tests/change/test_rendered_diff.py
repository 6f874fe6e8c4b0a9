"""The rendered diff: pairing objects, mapping annotations, Secret redaction, caps, order."""

from __future__ import annotations

import json
from dataclasses import replace

from validator.change.rendered_diff import (
    REDACTED,
    DiffLimits,
    ObjectChange,
    RenderedDiff,
    diff_json,
    rendered_diff,
)
from validator.load import Document, load_bytes


def docs(text: str, *, path: str = "app.yaml", target: str = "") -> list[Document]:
    loaded = load_bytes(text.encode(), display_path=path)
    assert not loaded.findings
    return [replace(d, target=target) for d in loaded.documents]


def cm(name: str, value: str, *, namespace: str = "prod", extra: str = "") -> str:
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
            f"{extra}data:\n  key: {value}\n---\n")


def test_modified_object_is_a_unified_diff_of_its_yaml() -> None:
    diff = rendered_diff(docs(cm("a", "one") + cm("b", "same")), docs(cm("a", "two") + cm("b", "same")))
    assert diff.unchanged == 1
    assert [item.change for item in diff.objects] == [ObjectChange.MODIFIED]
    text = diff.objects[0].text
    assert "--- base: ConfigMap prod/a\n+++ head: ConfigMap prod/a\n" in text
    assert "-  key: one\n+  key: two\n" in text


def test_added_and_deleted_objects_are_shown_whole() -> None:
    diff = rendered_diff(docs(cm("old", "x")), docs(cm("new", "z")))
    by_change = {item.change: item for item in diff.objects}
    assert set(by_change) == {ObjectChange.ADDED, ObjectChange.DELETED}
    added = by_change[ObjectChange.ADDED].text
    assert "--- /dev/null" in added
    assert "+kind: ConfigMap" in added
    assert "+  key: z" in added
    deleted = by_change[ObjectChange.DELETED].text
    assert "+++ /dev/null" in deleted
    assert "-  key: x" in deleted
    assert diff.counts() == {ObjectChange.ADDED: 1, ObjectChange.DELETED: 1, ObjectChange.MODIFIED: 0}


def test_objects_are_paired_by_target_and_identity_not_by_position() -> None:
    base = docs(cm("a", "1") + cm("b", "2"), target="overlays/prod")
    head = docs(cm("b", "2") + cm("a", "1"), target="overlays/prod")
    assert rendered_diff(base, head) == RenderedDiff(unchanged=2)
    moved = docs(cm("a", "1"), target="overlays/dev")  # another target's object is another object
    assert [i.change for i in rendered_diff(base[:1], moved).objects] == [ObjectChange.ADDED,
                                                                         ObjectChange.DELETED]


def test_mapping_annotations_are_not_part_of_the_diff() -> None:
    origin = "  annotations:\n    config.kubernetes.io/origin: 'path: base/a.yaml'\n"
    moved = "  annotations:\n    config.kubernetes.io/origin: 'path: other/a.yaml'\n    team: x\n"
    diff = rendered_diff(docs(cm("a", "1", extra=origin)), docs(cm("a", "1", extra=moved)))
    text = diff.text()
    assert "origin" not in text
    assert "+  annotations:\n+    team: x" in text


SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: creds
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{{"data": {{"password": "{last}"}}}}'
data:
  password: {password}
  user: {user}
stringData:
  token: {token}
"""


def test_secret_values_are_redacted_and_a_change_still_shows() -> None:
    base = docs(SECRET.format(password="c2VjcmV0LWJhc2U=", user="YWRtaW4=", token="tok-base",
                              last="c2VjcmV0LWJhc2U="))
    head = docs(SECRET.format(password="c2VjcmV0LWhlYWQ=", user="YWRtaW4=", token="tok-head",
                              last="c2VjcmV0LWhlYWQ="))
    text = rendered_diff(base, head).text()
    for value in ("c2VjcmV0LWJhc2U=", "c2VjcmV0LWhlYWQ=", "tok-base", "tok-head", "YWRtaW4="):
        assert value not in text
    assert "-  password: '<redacted: base value>'" in text
    assert "+  password: '<redacted: head value>'" in text
    assert f"   user: {REDACTED}\n" in text  # unchanged: context line, same marker on both sides
    assert "+  token: '<redacted: head value>'" in text


def test_a_secret_whose_values_did_not_change_is_unchanged() -> None:
    text = SECRET.format(password="YQ==", user="Yg==", token="t", last="x")
    assert rendered_diff(docs(text), docs(text)) == RenderedDiff(unchanged=1)


def test_added_secret_is_redacted_whole() -> None:
    diff = rendered_diff([], docs(SECRET.format(password="cGFzcw==", user="dQ==", token="tk1",
                                                last="cGFzcw==")))
    text = diff.text()
    assert "cGFzcw==" not in text
    assert "tk1" not in text
    assert "dQ==" not in text
    assert f"+  password: {REDACTED}\n" in text


def test_a_secret_with_data_that_is_not_a_mapping_is_redacted_too() -> None:
    base = docs("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata: plain-text-secret\n")
    head = docs("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata: [other-secret]\n")
    text = rendered_diff(base, head).text()
    assert "plain-text-secret" not in text
    assert "other-secret" not in text
    assert "-data: '<redacted: base value>'" in text


def test_per_object_cap_says_what_was_cut() -> None:
    many = "".join(f"  k{i:04}: v\n" for i in range(500))
    head = docs(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n{many}")
    item = rendered_diff([], head, limits=DiffLimits(object_lines=50)).objects[0]
    assert len(item.lines) == 50
    assert item.truncated == 500 + 8 - 50  # header 3, five lines of the object, 500 keys
    assert item.text.endswith(f"... {item.truncated} more diff lines of this object not shown\n")


def test_long_lines_and_bytes_are_capped() -> None:
    head = docs(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n  k: {'é' * 5000}\n")
    item = rendered_diff([], head, limits=DiffLimits(line_chars=100)).objects[0]
    assert max(len(line) for line in item.lines) <= 100 + len(" ... (line cut)")
    small = rendered_diff([], head, limits=DiffLimits(object_bytes=60)).objects[0]
    assert sum(len(line.encode()) + 1 for line in small.lines) <= 60
    assert small.truncated > 0


def test_total_cap_omits_whole_objects_and_names_them() -> None:
    base = docs("".join(cm(f"c{i:02}", "old") for i in range(30)))
    head = docs("".join(cm(f"c{i:02}", "new") for i in range(30)))
    diff = rendered_diff(base, head, limits=DiffLimits(total_bytes=1000))
    assert diff.objects
    assert diff.omitted
    assert diff.changed == 30
    assert len(diff.text().encode()) < 1000 + 30 * 40
    assert f"... {len(diff.omitted)} more changed objects not shown" in diff.text()
    assert "modified ConfigMap prod/c29" in diff.text()


def test_output_is_deterministic_whatever_the_input_order() -> None:
    base = docs("".join(cm(f"c{i}", "old", namespace=f"ns{i % 3}") for i in range(9)))
    head = docs("".join(cm(f"c{i}", "new", namespace=f"ns{i % 3}") for i in range(9)))
    forward = rendered_diff(base, head).text()
    assert forward == rendered_diff(list(reversed(base)), list(reversed(head))).text()
    titles = [line for line in forward.splitlines() if line.startswith("# ")]
    assert titles == sorted(titles, key=lambda t: (t.split()[3].split("/")[0], t.split()[3]))


def test_same_identity_twice_in_one_target_is_paired_in_order() -> None:
    base = docs(cm("dup", "1") + cm("dup", "2"))
    head = docs(cm("dup", "1") + cm("dup", "3"))
    diff = rendered_diff(base, head)
    assert diff.unchanged == 1
    assert "-  key: 2\n+  key: 3\n" in diff.text()


def test_shared_values_are_written_out_not_aliased() -> None:
    shared = {"team": "x"}  # one object in two places, as a loader keeping aliases builds it
    (document,) = docs(cm("a", "two"))
    body = {**document.body, "metadata": {"name": "a", "labels": shared}, "data": shared}
    diff = rendered_diff([], [replace(document, body=body)])
    assert "&id" not in diff.text()
    assert "*id" not in diff.text()
    assert diff.text().count("team: x") == 2


def test_an_object_too_large_to_diff_line_by_line_says_so() -> None:
    base = docs(cm("big", "one"))
    head = docs(cm("big", "two"))
    item = rendered_diff(base, head, limits=DiffLimits(input_lines=4)).objects[0]
    assert item.lines[-1] == "@@ too large to diff line by line: 7 lines on the base, 7 on the head @@"
    assert item.change is ObjectChange.MODIFIED


def test_json_data_names_each_object_and_its_diff() -> None:
    data = diff_json(rendered_diff(docs(cm("a", "one")), docs(cm("a", "two"))))
    assert data["unchanged"] == 0
    assert data["omitted"] == []
    (entry,) = data["objects"]
    assert (entry["kind"], entry["namespace"], entry["name"], entry["change"]) == (
        "ConfigMap", "prod", "a", "modified")
    assert "-  key: one\n+  key: two" in entry["diff"]
    json.dumps(data)


def test_titles_and_lines_print_no_terminal_controls() -> None:
    text = ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "evil\\e[2J\\u202e"\n'
            'data:\n  k: "\\e]0;title\\a"\n')
    out = rendered_diff([], docs(text)).text()
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "# added ConfigMap evil\\u001b[2J\\u202e\n" in out
