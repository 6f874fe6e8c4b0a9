"""Whatever YAML produced is sent to OPA as JSON it accepts."""

from __future__ import annotations

import json

from validator.policy.encode import encode_input


def test_yaml_only_values_become_json() -> None:
    body = {"nan": float("nan"), "inf": float("-inf"), "bin": b"\x00\x01", "set": {"b", "a"},
            1: "int key", False: "bool key", None: "null key", ("a", "b"): "complex key",
            "nested": [{"x": float("inf")}]}
    sent = json.loads(encode_input([{"input": body}]))
    assert sent == {"input": {"documents": [{"input": {
        "nan": ".nan", "inf": "-.inf", "bin": "AAE=", "set": ["a", "b"],
        "1": "int key", "false": "bool key", "null": "null key", "('a', 'b')": "complex key",
        "nested": [{"x": ".inf"}]}}]}}


def test_plain_documents_take_the_fast_path() -> None:
    assert encode_input([{"input": {"a": [1, 2.5, None, True]}}]) == (
        b'{"input":{"documents":[{"input":{"a":[1,2.5,null,true]}}]}}')
