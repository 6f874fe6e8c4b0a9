"""File names that are not UTF-8 (git keeps any bytes; paths are ``os.fsdecode``d) in every format."""

from __future__ import annotations

import json
import os

import pytest

from validator.model import Engine, Finding, Location, Report, ResourceRef, Severity
from validator.report import OutputFormat, RenderOptions, render_report

#: ``latin1-é.yaml`` written by a Latin-1 system: the byte 0xE9 is not UTF-8.
RAW_NAME = os.fsdecode(b"apps/latin1-\xe9.yaml")


def _report() -> Report:
    finding = Finding(rule_id="schema/type", severity=Severity.ERROR, message="expected integer",
                      location=Location(path=RAW_NAME, line=7, column=3, field_path=("spec", "replicas")),
                      engine=Engine.SCHEMA,
                      resource=ResourceRef(api_version="apps/v1", kind="Deployment", name="web"))
    return Report(findings=(finding,), resources=1, files=1)


def test_a_non_utf8_name_has_a_fingerprint() -> None:
    finding = _report().findings[0]
    assert len(finding.fingerprint) == 16
    other = os.fsdecode(b"apps/latin1-\xe8.yaml")
    assert Finding(**{**finding.__dict__, "location": Location(path=other, line=7)}).fingerprint != (
        finding.fingerprint)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_writes_valid_utf8(fmt: OutputFormat) -> None:
    text = render_report(_report(), fmt, RenderOptions())
    assert text.encode("utf-8")  # no lone surrogate: the CLI writes UTF-8
    assert "latin1-" in text


def test_a_non_utf8_name_is_reported_in_one_escaped_stable_form() -> None:
    """The model escapes the bytes (``\\xe9``) once, so every format shows the same text."""
    escaped = "apps/latin1-\\xe9.yaml"
    document = json.loads(render_report(_report(), OutputFormat.JSON, RenderOptions()))
    assert document["findings"][0]["path"] == escaped
    sarif = json.loads(render_report(_report(), OutputFormat.SARIF, RenderOptions()))
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "apps/latin1-%5Cxe9.yaml"
    assert escaped in render_report(_report(), OutputFormat.TEXT, RenderOptions())
