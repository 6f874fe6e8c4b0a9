"""The plain data model: ordering, de-duplication and fingerprints."""

from __future__ import annotations

from dataclasses import replace

import pytest

from validator.model import (
    Engine,
    Finding,
    Location,
    ResourceRef,
    Severity,
    format_field_path,
    sort_findings,
)

WEB = ResourceRef(api_version="apps/v1", kind="Deployment", namespace="prod", name="web")


def finding(**changes: object) -> Finding:
    base = Finding(rule_id="K8S-001", severity=Severity.ERROR, message="runs privileged",
                   location=Location(path="apps/web.yaml", line=12, column=5,
                                     field_path=("spec", "containers", 0, "securityContext")),
                   engine=Engine.POLICY, resource=WEB)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_field_paths_render_like_kubectl() -> None:
    assert format_field_path(("spec", "containers", 0, "image")) == "spec.containers[0].image"
    assert format_field_path(("metadata", "annotations", "app.kubernetes.io/name")) == (
        "metadata.annotations['app.kubernetes.io/name']")
    assert format_field_path(()) == ""


@pytest.mark.parametrize(("text", "severity"), [("error", Severity.ERROR), ("WARN", Severity.WARNING),
                                                 ("warning", Severity.WARNING), ("info", Severity.INFO)])
def test_severity_parse(text: str, severity: Severity) -> None:
    assert Severity.parse(text) is severity


def test_unknown_severity_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        Severity.parse("fatal")


def test_fingerprint_survives_line_moves_but_not_identity_changes() -> None:
    moved = finding(location=replace(finding().location, line=40, column=9))
    assert moved.fingerprint == finding().fingerprint
    assert finding(resource=replace(WEB, name="api")).fingerprint != finding().fingerprint
    assert finding(rule_id="K8S-002").fingerprint != finding().fingerprint
    # one problem on one source line is one finding whatever target reached it (see merge.py):
    # neither the target nor the namespace an overlay sets is part of its identity
    assert finding(target="worker-prod").fingerprint == finding(target="worker-dev").fingerprint
    assert (finding(target="a", resource=replace(WEB, namespace="dev")).fingerprint
            == finding(target="b", targets=("b", "c"), resource=replace(WEB, namespace="")).fingerprint)
    assert finding(resource=replace(WEB, namespace="other")).fingerprint != finding().fingerprint


def test_sorting_is_deterministic_and_drops_exact_duplicates_only() -> None:
    later = finding(location=replace(finding().location, line=30))
    warning = finding(severity=Severity.WARNING, rule_id="K8S-005")
    dev, prod = finding(target="worker-dev"), finding(target="worker-prod")
    ordered = sort_findings([later, warning, prod, dev, finding(), finding()])
    assert ordered == (finding(), dev, prod, warning, later)


def test_two_problems_of_one_rule_on_one_field_keep_distinct_fingerprints() -> None:
    requests = finding(rule_id="K8S-004", message="container 'web' sets no resources.requests")
    limits = finding(rule_id="K8S-004", message="container 'web' sets no resources.limits")
    assert requests.fingerprint != limits.fingerprint
