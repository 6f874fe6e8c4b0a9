"""The reference rule itself: which keywords leave a schema, wherever they are written."""

from __future__ import annotations

from typing import Any

import pytest

from validator.schema.references import is_local_ref, refused_references, without_identifiers


@pytest.mark.parametrize(("value", "local"), [
    ("#", True), ("#/definitions/a", True), ("#/$defs/a~1b", True),
    ("#anchor", False), ("other.json", False), ("other.json#/a", False), ("/etc/passwd", False),
    ("file:///etc/passwd", False), ("http://127.0.0.1/x", False), ("//host/x", False), ("", False),
])
def test_only_in_document_pointers_are_local(value: str, local: bool) -> None:
    assert is_local_ref(value) is local


@pytest.mark.parametrize("schema", [
    {"properties": {"a": {"$ref": "http://h/x"}}},
    {"dependencies": {"enum": {"$ref": "http://h/x"}}},  # a property called "enum"
    {"properties": {"enum": {"items": [{"$ref": "file:///x"}]}}},
    {"enum": [{"$ref": "http://h/x"}]},  # data: refused too, rather than guessing
    {"$defs": {"a": {"$dynamicRef": "#meta"}}},
    {"$recursiveRef": "#"},
    {"allOf": [{"$schema": "http://h/meta"}]},
])
def test_references_leaving_the_schema_are_found_anywhere(schema: dict[str, Any]) -> None:
    assert len(refused_references(schema, check_schema_keyword=True)) == 1


def test_local_refs_known_drafts_and_property_names_pass() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#",
              "properties": {"$ref": {"type": "string"}, "$schema": {"type": "string"},
                             "a": {"$ref": "#/definitions/a"}},
              "definitions": {"a": {"type": "integer"}}}
    assert refused_references(schema, check_schema_keyword=True) == []


def test_refusals_name_the_path_of_the_keyword() -> None:
    (refused,) = refused_references({"properties": {"a": {"$ref": "x.json"}}})
    assert (refused.path, refused.keyword, refused.value) == (("properties", "a", "$ref"), "$ref",
                                                             "x.json")
    assert refused.message.startswith("remote schema reference refused: $ref 'x.json'")


def test_identifiers_are_dropped_but_data_is_kept() -> None:
    schema = {"$id": "http://h/", "$schema": "http://json-schema.org/draft-07/schema#",
              "properties": {"$id": {"const": {"$id": "data"}}, "a": {"$anchor": "x", "id": "y"}},
              "dependencies": {"b": {"$id": "http://h/b"}}}
    assert without_identifiers(schema, keep_root_schema=True) == {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {"$id": {"const": {"$id": "data"}}, "a": {}},
        "dependencies": {"b": {}}}
    assert "$schema" not in without_identifiers(schema)
