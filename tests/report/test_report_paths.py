"""Paths that are not valid UTF-8 (and lone surrogates anywhere) are reported escaped and stable."""

from __future__ import annotations

import json

import pytest

from validator.model import Engine, Finding, Location, Report, ResourceRef, Severity, Skipped
from validator.report import OutputFormat, RenderOptions, render_report

#: ``bad\xff.yaml`` as ``os.walk`` names it: the undecodable byte as a lone surrogate.
WALKED = "apps/bad\udcff.yaml"


def _report() -> Report:
    finding = Finding(rule_id="schema/type", severity=Severity.ERROR, engine=Engine.SCHEMA,
                      message=f"{WALKED}: expected string, got \udce9",
                      location=Location(path=WALKED, line=4, column=8, field_path=("data", "a")),
                      resource=ResourceRef(api_version="v1", kind="ConfigMap", name="n\udcff"))
    return Report(findings=(finding,), skipped=(Skipped(path=WALKED, reason="r"),),
                  resources=1, files=1)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_reporter_writes_a_non_utf8_path_escaped(fmt: OutputFormat) -> None:
    text = render_report(_report(), fmt, RenderOptions())
    text.encode("utf-8")  # nothing unencodable reaches the output
    # as is, JSON-escaped, or percent-encoded in a SARIF URI
    assert any(form in text for form in ("bad\\xff.yaml", "bad\\\\xff.yaml", "bad%5Cxff.yaml"))


def test_the_escaped_form_is_stable_and_in_the_json_report() -> None:
    first, second = _report(), _report()
    assert first.findings[0].fingerprint == second.findings[0].fingerprint
    document = json.loads(render_report(first, OutputFormat.JSON, RenderOptions()))
    assert document["findings"][0]["path"] == "apps/bad\\xff.yaml"
    assert document["skipped"][0]["path"] == "apps/bad\\xff.yaml"
