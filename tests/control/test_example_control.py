"""The example repository shows 8.9: a chart and overlays placing objects, a rule turned off."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_check_cli import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_has_no_false_namespace_finding_and_a_rule_turned_off() -> None:
    code, out, err = invoke("check", str(EXAMPLES), "-o", "json")
    assert code == 1, err
    document = json.loads(out)
    findings = document["findings"]
    assert [f for f in findings if f["rule_id"] == "K8S-016"] == []
    assert [f for f in findings if f["path"].startswith("apps/cache-chart/")] == []
    assert [f for f in findings if f["rule_id"] == "K8S-007"] == []
    # K8S-007 off: the worker's image and podinfo's (its tag is substituted by Flux: no digest)
    assert {"what": "finding", "reason": "not reported: rule turned off", "count": 2} in document[
        "summary"]["not_checked"]
    # the overlays still report what they break, with their namespace
    privileged = [f for f in findings if f["rule_id"] == "K8S-001"
                  and f["path"].startswith("apps/kustomize-app/")]
    assert [f["resource"]["namespace"] for f in privileged] == ["api-prod"]
