"""Finding.fix: carried along, but never part of a finding's identity."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from validator.merge import merge_across_targets
from validator.model import Engine, Finding, Fix, Location, ResourceRef, Severity


def _finding() -> Finding:
    return Finding(rule_id="K8S-001", severity=Severity.ERROR, message="runs privileged",
                   location=Location(path="apps/web.yaml", line=12, column=9,
                                     field_path=("spec", "securityContext", "privileged")),
                   engine=Engine.POLICY,
                   resource=ResourceRef(api_version="apps/v1", kind="Deployment", name="web"))


def test_a_fix_does_not_change_the_fingerprint() -> None:
    plain = _finding()
    fixed = replace(plain, fix=Fix(value=False, description="set privileged to false"))
    assert plain.fix is None
    assert fixed.fingerprint == plain.fingerprint


def test_a_fix_is_a_frozen_value() -> None:
    fix = Fix(value=False)
    assert fix.description == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        fix.value = True  # type: ignore[misc]


def test_merging_across_targets_keeps_the_fix() -> None:
    fix = Fix(value=False, description="d")
    one = replace(_finding(), fix=fix, target="overlays/a")
    two = replace(_finding(), fix=fix, target="overlays/b")
    (merged,) = merge_across_targets([one, two])
    assert merged.targets == ("overlays/a", "overlays/b")
    assert merged.fix == fix
