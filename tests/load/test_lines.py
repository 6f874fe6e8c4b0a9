"""Every load finding carries its line and a plain message (no line 0, no Python internals)."""

from __future__ import annotations

import pytest

from validator.load import load_bytes

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def one(data: str, path: str = "f.yaml") -> tuple[str, int, int, str]:
    result = load_bytes(data.encode(), display_path=path)
    (finding,) = result.findings
    return finding.rule_id, finding.location.line, finding.location.column, finding.message


@pytest.mark.parametrize(("char", "name"), [("\x00", "U+0000"), ("\x1b", "U+001B"),
                                            ("\x7f", "U+007F"), ("\x80", "U+0080")])
def test_a_control_character_is_reported_at_its_line_and_column(char: str, name: str) -> None:
    rule, line, column, message = one(HEAD + f"data:\n  a: ok\n  b: x{char}y\n")
    assert (rule, line, column) == ("load/syntax", 6, 7)
    assert message == (f"control character {name} is not allowed in YAML (write it as an "
                       "escape in a double-quoted string); the file is not checked")


def test_json_duplicate_keys_are_reported_at_the_second_key() -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "data": {\n    "a": "1",\n' \
           '    "a": "2"\n  },\n  "kind": "Secret"\n}\n'
    result = load_bytes(text.encode(), display_path="d.json")
    assert sorted((f.rule_id, f.location.line, f.location.column, f.message)
                  for f in result.findings) == [
        ("load/duplicate-key", 6, 5, "duplicate key 'a': the last value wins"),
        ("load/duplicate-key", 8, 3, "duplicate key 'kind': the last value wins")]


def test_thousands_of_chained_merge_keys_are_a_finding_on_a_line() -> None:
    chain = "".join(f"m{i}: &m{i}\n  <<: *m{i - 1}\n" for i in range(1, 3000))
    rule, line, _, message = one(HEAD + "m0: &m0\n  a: 1\n" + chain)
    assert rule == "load/limit"
    assert line > 3
    assert message.startswith("nesting deeper than 100 levels, counting each merge key")
    assert "recursion" not in message


def test_deeply_nested_merge_keys_are_a_finding_on_a_line() -> None:
    nested = "".join(f"&m{i} {{<<: " for i in range(990)) + "{a: 1}" + "}" * 990
    result = load_bytes((HEAD + "---\n" + HEAD + f"m: {nested}\n").encode(), display_path="m.yaml")
    assert len(result.documents) == 1
    (finding,) = result.findings
    rule, line, message = finding.rule_id, finding.location.line, finding.message
    assert (rule, line) == ("load/limit", 8)
    assert "recursion" not in message


def test_deep_json_is_a_plain_finding() -> None:
    rule, line, _, message = one('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "deep.json")
    assert (rule, line) == ("load/limit", 1)
    assert "recursion" not in message
