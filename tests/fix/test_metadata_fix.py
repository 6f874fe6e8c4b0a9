"""METADATA ``custom.fix``: read from the rule's annotations, validated, carried to its findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from validator.errors import PolicyError
from validator.load import load_file
from validator.model import Fix
from validator.policy import PolicySettings, evaluate_policies
from validator.policy.metadata import rule_info
from validator.policy.modules import PolicyModule

POLICY = """\
package main

# METADATA
# title: No privileged containers
# custom:
#   id: T-1
#   fix:
#     value: false
#     description: Set securityContext.privileged to false.
deny contains result if {
	some i, c in input.spec.containers
	c.securityContext.privileged == true
	result := {"msg": "privileged", "path": ["spec", "containers", i, "securityContext", "privileged"]}
}

# METADATA
# title: Named
# custom:
#   id: T-2
warn contains "no fix declared" if input.kind == "Pod"
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true   # for the demo
"""


def test_a_declared_fix_reaches_the_finding_through_opa(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "fix.rego").write_text(POLICY)
    (tmp_path / "pod.yaml").write_text(POD)
    documents = load_file(tmp_path / "pod.yaml", display_path="pod.yaml").documents
    result = evaluate_policies(documents, PolicySettings(policy_dirs=(tmp_path / "policy",),
                                                         timeout=30.0), root=tmp_path)
    by_rule = {f.rule_id: f for f in result.findings}
    assert by_rule["T-1"].fix == Fix(value=False,
                                     description="Set securityContext.privileged to false.")
    assert by_rule["T-1"].location.line == 10
    assert by_rule["T-2"].fix is None


def _info(custom: Any) -> Fix | None:
    module = PolicyModule(path="policy/p.rego", package=("main",), rule_lines={"deny": 3},
                          rule_annotations={"deny": ({"custom": {"fix": custom}},)})
    return rule_info("main", "deny", [module]).fix


@pytest.mark.parametrize(("custom", "expected"), [
    ({"value": False}, Fix(value=False)),
    ({"value": True, "description": "turn it on"}, Fix(value=True, description="turn it on")),
    ({"value": 1000}, Fix(value=1000)),
    ({"value": 0.5}, Fix(value=0.5)),
    ({"value": "Always"}, Fix(value="Always")),
    ({"value": None}, Fix(value=None)),
    ({"value": False, "fields": ["hostNetwork", "hostPID"]},
     Fix(value=False, fields=("hostNetwork", "hostPID"))),
    (None, None),
])
def test_well_formed_fixes(custom: Any, expected: Fix | None) -> None:
    assert _info(custom) == expected


@pytest.mark.parametrize(("custom", "problem"), [
    (False, "must be a mapping with a scalar 'value'"),
    ("set it to false", "must be a mapping with a scalar 'value'"),
    ({}, "has no 'value'"),
    ({"description": "no value"}, "has no 'value'"),
    ({"value": [False]}, "'value' must be a scalar"),
    ({"value": {"a": 1}}, "'value' must be a scalar"),
    ({"value": False, "description": 3}, "'description' must be a string"),
    ({"value": False, "descripton": "typo"}, "unknown key 'descripton'"),
    ({"value": False, "fields": "privileged"}, "'fields' must be a list of field names"),
    ({"value": False, "fields": []}, "'fields' must be a list of field names"),
    ({"value": False, "fields": ["a", 1]}, "'fields' must be a list of field names"),
])
def test_a_malformed_fix_is_an_error_naming_the_file_and_rule(custom: Any, problem: str) -> None:
    with pytest.raises(PolicyError) as raised:
        _info(custom)
    assert str(raised.value).startswith("policy/p.rego: METADATA of main.deny: custom.fix ")
    assert problem in str(raised.value)


def test_a_fix_in_the_package_metadata_applies_to_its_rules() -> None:
    module = PolicyModule(path="policy/p.rego", package=("main",), rule_lines={"deny": 3},
                          package_annotations=({"custom": {"fix": {"value": False}}},))
    assert rule_info("main", "deny", [module]).fix == Fix(value=False)
