"""Parsing kubeconform's one-line error tree back into violations (messages as kubeconform 0.8 prints)."""

from __future__ import annotations

from validator.schema.kubeconform_errors import parse_causes, pointer_path

MESSAGE = (
    "problem validating schema. Check JSON formatting: jsonschema validation failed with "
    "'file:///c/v1.35.0-standalone-strict/service-v1.json#' - at '/spec/ports/0': validation "
    "failed   - at '/spec/ports/0/port': got string, want integer   - at "
    "'/spec/ports/0/targetPort': 'oneOf' failed, none matched     - at "
    "'/spec/ports/0/targetPort': got number, want null or string     - at "
    "'/spec/ports/0/targetPort': got number, want null or integer - at '/metadata': "
    "missing properties 'name', 'namespace' - at '/metadata/annotations/it\\'s~1x': "
    "additional properties 'a b' not allowed"
)
BODY = {"spec": {"ports": [{"port": "80", "targetPort": 1.5}]},
        "metadata": {"annotations": {"it's/x": {"a b": 1}}}}


def test_leaves_are_kept_and_inner_nodes_dropped() -> None:
    found = [(v.keyword, v.path, v.names, v.expected) for v in parse_causes(MESSAGE, BODY)]
    assert found == [
        ("type", ("spec", "ports", 0, "port"), (), ("integer",)),
        ("oneOf", ("spec", "ports", 0, "targetPort"), (), ()),
        ("required", ("metadata",), ("name", "namespace"), ()),
        ("additionalProperties", ("metadata", "annotations", "it's/x"), ("a b",), ()),
    ]


def test_pointer_indexes_follow_the_document() -> None:
    body = {"data": {"0": "x"}, "items": [{"a": 1}]}
    assert pointer_path("/data/0", body) == ("data", "0")
    assert pointer_path("/items/0/a", body) == ("items", 0, "a")
    assert pointer_path("", body) == ()
