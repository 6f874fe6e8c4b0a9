"""suggested_line: a replacement only for a single-line ``key: scalar`` entry, never a wrong one.

Property-style: every combination of indentation, list dash, key quoting, value style,
spacing, trailing comment and line ending is generated; whenever a suggestion comes
back, YAML must read it as the original entry with only the value changed, and the
indentation, key, spacing and comment must be byte-for-byte the original's.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import replace
from typing import Any

import pytest
import yaml

from validator.fix import suggested_line, suggestion_block
from validator.model import Engine, Finding, Fix, FixValue, Location, Severity


def finding(field: str | int = "privileged", value: FixValue = False, *, line: int = 3,
            column: int = 0, fix: bool = True) -> Finding:
    return Finding(
        rule_id="K8S-001", severity=Severity.ERROR, message="runs privileged",
        location=Location(path="deploy.yaml", line=line, column=column,
                          field_path=("spec", "containers", 0, "securityContext", field)),
        engine=Engine.POLICY,
        fix=Fix(value=value, description="set it to false") if fix else None)


def test_the_three_bundled_fixes_on_their_usual_lines() -> None:
    assert suggested_line(finding(), "        privileged: true\n") == "        privileged: false\n"
    assert suggested_line(finding("hostNetwork"), "  hostNetwork: true") == "  hostNetwork: false"
    assert (suggested_line(finding("allowPrivilegeEscalation"),
                           "  - allowPrivilegeEscalation: true   # needed?\r\n")
            == "  - allowPrivilegeEscalation: false   # needed?\r\n")


@pytest.mark.parametrize("line", [
    "        privileged: yes",
    "        privileged: True",
    '        privileged: "true"',
    "        privileged: 'true'",
    '        "privileged": true',
    "        'privileged': true #c",
    "        privileged: 1",
])
def test_other_spellings_of_the_offending_value_are_replaced(line: str) -> None:
    got = suggested_line(finding(), line)
    assert got is not None
    assert yaml.safe_load(got) == {"privileged": False}
    assert got.startswith(line[:len(line) - len(line.lstrip())])


@pytest.mark.parametrize("line", [
    "        privileged:",                        # value on the following lines (or null)
    "        privileged: |",                      # block scalar
    "        privileged: >-",                     # folded block scalar
    "        privileged: &on true",               # anchor
    "        privileged: *on",                    # alias
    "        privileged: !!bool true",            # tag
    "        privileged: [true]",                 # flow sequence
    "        privileged: {a: 1}",                 # flow mapping
    "        privileged: true,",                  # inside a flow mapping spread over lines
    "        privileged: true}",
    '        privileged: "true',                  # quoted scalar continued on the next line
    "        privileged: 'it''s",
    "        securityContext: {privileged: true}",  # the key is not the line's key
    "        securityContext:",                   # the field is missing: the parent's line
    "        hostNetwork: true",                  # another key
    "        privileged: false",                  # already the fixed value: nothing to suggest
    "        privileged: no",
    "        ? privileged",                       # complex key
    "        &k privileged: true",                # anchored key
    "\tprivileged: true",                         # tab indentation is not YAML
    "privileged:\ttrue",                          # a tab after the colon: libyaml refuses it
    "        privileged: true: false",            # not one entry
    "        privileged: {{ .Values.privileged }}",  # a Helm template line
    "        privileged: true # a: b",            # fine: comment (covered positively elsewhere)
    "        - true",                             # a list item without a key
    "        privileged: 'true' extra",
    "        privileged: @x",                     # reserved indicator
    "        privileged: %x",
    "        privileged: `x`",
    "        # privileged: true",                 # a comment
    "",
    "        privileged: true\n        more",     # not one line
])
def test_anything_else_gets_no_suggestion(line: str) -> None:
    got = suggested_line(finding(), line)
    if line == "        privileged: true # a: b":
        assert got == "        privileged: false # a: b"
        return
    assert got is None


def test_no_fix_or_no_key_path_or_no_line_gives_nothing() -> None:
    assert suggested_line(finding(fix=False), "privileged: true") is None
    assert suggested_line(finding(field=0), "- true") is None
    assert suggested_line(finding(line=0), "privileged: true") is None
    bare = Finding(rule_id="r", severity=Severity.ERROR, message="m", engine=Engine.POLICY,
                   location=Location(path="a.yaml", line=1), fix=Fix(value=False))
    assert suggested_line(bare, "privileged: true") is None


def test_a_fix_limited_to_named_fields_leaves_other_fields_alone() -> None:
    # K8S-002 points at the nearest written ancestor when allowPrivilegeEscalation is missing:
    # a securityContext written as a scalar must not be "fixed" to false.
    escalation = replace(finding("securityContext"),
                         fix=Fix(value=False, fields=("allowPrivilegeEscalation",)))
    assert suggested_line(escalation, "      securityContext: true") is None
    named = replace(finding("allowPrivilegeEscalation"),
                    fix=Fix(value=False, fields=("allowPrivilegeEscalation",)))
    assert suggested_line(named, "  allowPrivilegeEscalation: true") == (
        "  allowPrivilegeEscalation: false")


def test_a_known_column_must_be_the_keys_column() -> None:
    assert suggested_line(finding(column=9), "        privileged: true") == "        privileged: false"
    assert suggested_line(finding(column=11), "        - privileged: true") == "        - privileged: false"
    assert suggested_line(finding(column=3), "        privileged: true") is None


@pytest.mark.parametrize(("value", "line", "expected"), [
    ("Always", "  imagePullPolicy: IfNotPresent", "  imagePullPolicy: Always"),
    ("Always", '  imagePullPolicy: "IfNotPresent"', '  imagePullPolicy: "Always"'),
    ("Always", "  imagePullPolicy: 'IfNotPresent'", "  imagePullPolicy: 'Always'"),
    ("true", "  flag: yes-please", '  flag: "true"'),             # a string that reads as a bool
    ("it's", "  flag: 'x'", "  flag: 'it''s'"),
    ('say "hi"', '  flag: "x"', '  flag: "say \\"hi\\""'),
    ("a: b", "  flag: x", '  flag: "a: b"'),
    ("", "  flag: x", '  flag: ""'),
    (1000, "  runAsUser: 0", "  runAsUser: 1000"),
    (None, "  runAsUser: 0", "  runAsUser: null"),
    (0.5, "  ratio: 2", "  ratio: 0.5"),
    (True, "  readOnlyRootFilesystem: false", "  readOnlyRootFilesystem: true"),
])
def test_values_of_every_scalar_type_are_written_so_yaml_reads_them_back(
        value: FixValue, line: str, expected: str) -> None:
    key = line.split(":", maxsplit=1)[0].strip()
    assert suggested_line(finding(key, value), line) == expected
    assert yaml.safe_load(expected) == {key: value}


INDENTS = ("", "  ", "        ")
DASHES = ("", "- ", "-   ")
KEYS = ("privileged", '"privileged"', "'privileged'", "other", '"privileged', "privileged x")
SEPARATORS = (":", ": ", ":  ", ": \t")
VALUES = ("true", "True", "yes", "on", '"true"', "'true'", "1", "false", "maybe", "", "|", ">",
          "&a true", "*a", "!!str x", "[1]", "{a: 1}", "true,", '"open', "'open", "a #b",
          "x: y", "- x", "null", "~", "1.5", '"a\\"b"', "'a''b'", "tr ue")
COMMENTS = ("", " # keep", "\t# keep: this", "  #")
ENDINGS = ("", "\n", "\r\n")


def _read(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _entry(line: str) -> tuple[str, Any] | None:
    """The (key, value) YAML reads from a lone line (dash stripped), or None."""
    body = line.strip("\r\n").lstrip(" ")
    body = re.sub(r"^-[ ]+", "", body)
    data = _read(body)
    if isinstance(data, dict) and len(data) == 1:
        return next(iter(data.items()))
    return None


def _shapes() -> list[str]:
    """Every value with every key and separator; a fixed sample of the other combinations
    (the whole product is 75,000 lines, too slow to read twice each on a shared machine)."""
    every = [parts for parts in itertools.product(
        INDENTS, DASHES, KEYS, SEPARATORS, VALUES, COMMENTS, ENDINGS)
        if not (parts[3] == ":" and parts[4])]  # "key:value" is a plain scalar, no entry
    core = [p for p in every if p[0] == "  " and p[1] == "" and p[5] in ("", " # keep")
            and p[6] == ""]
    return ["".join(parts) for parts in core + random.Random(10).sample(every, 4000)]  # noqa: S311


def test_every_suggestion_over_generated_line_shapes_is_the_same_entry_with_the_fixed_value(
        ) -> None:
    suggested = 0
    for line in _shapes():
        got = suggested_line(finding(), line)
        before = _entry(line)
        if got is None:
            continue
        suggested += 1
        after = _entry(got)
        assert after == ("privileged", False), (line, got)
        assert before is not None, (line, got)
        assert before[0] == "privileged", (line, got)
        assert before[1] is not False, line
        assert isinstance(before[1], bool | int | float | str | None), line
        # everything around the value is kept byte for byte
        head = re.match(r"^[ ]*(?:-[ ]+)?[^:]*:[ \t]*", line)
        assert head is not None, line
        assert got.startswith(head[0]), (line, got)
        for tail in COMMENTS[1:] + ENDINGS[1:]:
            if line.rstrip("\r\n").endswith(tail.rstrip("\r\n")) and tail.strip():
                assert got.rstrip("\r\n").endswith(tail.rstrip("\r\n")), (line, got)
        assert got[len(got.rstrip("\r\n")):] == line[len(line.rstrip("\r\n")):]
    assert suggested > 500  # the generator does reach the positive cases


def test_every_shape_whose_value_is_not_a_lone_plain_or_quoted_scalar_gets_nothing() -> None:
    unsafe = ("", "|", ">", "&a true", "*a", "!!str x", "[1]", "{a: 1}", "true,", '"open',
              "'open", "x: y", "- x", "false")
    for line in _shapes():
        value = line.strip("\r\n").split(":", 1)[1].strip(" \t") if ":" in line else ""
        value = re.sub(r"[ \t]+#.*$|^#.*$", "", value)
        if value in unsafe or "privileged" not in line or "privileged x" in line \
                or '"privileged:' in line:
            assert suggested_line(finding(), line) is None, line


@pytest.mark.parametrize("following", [
    ["          and more"],                  # a plain scalar continued: "true and more"
    ["", "          and more"],              # blank lines fold into it too
    ["          # a comment line, more indented: not worth guessing"],
])
def test_suggestion_block_refuses_a_value_continued_on_the_next_lines(
        following: list[str]) -> None:
    lines = ["      securityContext:", "        privileged: true", *following]
    assert suggested_line(finding(line=2), lines[1]) == "        privileged: false"
    assert suggestion_block(finding(line=2), lines) is None


@pytest.mark.parametrize("following", [
    [], ["        runAsUser: 1000"], ["    - name: next"], ["", "  other: 1"], ["---"],
    ["        # sibling comment"],
])
def test_suggestion_block_accepts_siblings_and_dedents_after_the_line(
        following: list[str]) -> None:
    lines = ["      securityContext:", "        privileged: true", *following]
    assert suggestion_block(finding(line=2), lines) == (
        "```suggestion\n        privileged: false\n```")


def test_suggestion_block_replaces_the_findings_line_and_fences_safely() -> None:
    lines = ["spec:", "  containers:", "    - securityContext:", "        privileged: true"]
    assert suggestion_block(finding(line=4), lines) == (
        "```suggestion\n        privileged: false\n```")
    assert suggestion_block(finding(line=9), lines) is None
    assert suggestion_block(finding(line=4, fix=False), lines) is None
    ticks = ["        privileged: true  # ```"]
    assert suggestion_block(finding(line=1), ticks) == (
        "````suggestion\n        privileged: false  # ```\n````")
