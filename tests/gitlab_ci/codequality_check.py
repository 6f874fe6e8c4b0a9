"""Checks a Code Quality document against GitLab's documented fields (codequality_schema.json)
plus what a schema cannot say: fingerprints are unique in the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = json.loads((Path(__file__).with_name("codequality_schema.json")).read_text())


def check_codequality(text: str) -> list[dict[str, Any]]:
    """The issues of ``text``; an AssertionError when GitLab could not read it as documented."""
    issues: list[dict[str, Any]] = json.loads(text)
    jsonschema.validate(issues, SCHEMA)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints), f"repeated fingerprints: {fingerprints}"
    return issues
