"""The new / existing / fixed matcher on findings built by hand, one everyday edit per test."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from validator.change.compare import compare_findings, compare_reports
from validator.model import Engine, Finding, FindingStatus, Location, Report, ResourceRef, Severity

WEB = ResourceRef(api_version="apps/v1", kind="Deployment", namespace="prod", name="web")
CONTAINERS = ("spec", "template", "spec", "containers")


def finding(line: int = 12, **changes: Any) -> Finding:
    found = Finding(rule_id="K8S-001", severity=Severity.ERROR,
                    message="Deployment 'web': container 'app' runs privileged",
                    location=Location(path="apps/web.yaml", line=line, column=5,
                                      field_path=(*CONTAINERS, 0, "securityContext", "privileged"),
                                      field_key="spec.template.spec.containers[name='app']"
                                                ".securityContext.privileged"),
                    engine=Engine.POLICY, resource=WEB)
    return replace(found, **changes)


def at(found: Finding, **location: Any) -> Finding:
    return replace(found, location=replace(found.location, **location))


def statuses(findings: tuple[Finding, ...]) -> list[tuple[int, FindingStatus | None]]:
    return [(f.location.line, f.status) for f in findings]


def test_an_unchanged_finding_is_existing() -> None:
    result = compare_findings(head=[finding()], base=[finding()], renames={})
    assert statuses(result.head) == [(12, FindingStatus.EXISTING)]
    assert result.fixed == ()


def test_lines_moving_keep_a_finding_existing() -> None:
    result = compare_findings(head=[finding(line=30)], base=[finding(line=12)], renames={})
    assert statuses(result.head) == [(30, FindingStatus.EXISTING)]
    assert result.fixed == ()


def test_reformatting_keeps_a_finding_existing() -> None:
    """Flow style to block style: line and column change, nothing else."""
    result = compare_findings(head=[at(finding(line=19), column=11)], base=[finding(line=7)],
                              renames={})
    assert statuses(result.head) == [(19, FindingStatus.EXISTING)]


def test_a_renamed_file_keeps_its_findings_existing() -> None:
    moved = at(finding(line=12), path="apps/frontend/deployment.yaml")
    result = compare_findings(head=[moved], base=[finding()],
                              renames={"apps/web.yaml": "apps/frontend/deployment.yaml"})
    assert statuses(result.head) == [(12, FindingStatus.EXISTING)]
    assert result.fixed == ()
    # without the rename map the same pair is one new and one fixed finding
    unmapped = compare_findings(head=[moved], base=[finding()], renames={})
    assert statuses(unmapped.head) == [(12, FindingStatus.NEW)]
    assert statuses(unmapped.fixed) == [(12, FindingStatus.FIXED)]


def test_a_container_inserted_before_another_keeps_the_others_finding_existing() -> None:
    """The index moved from 0 to 1; the field key names the container."""
    shifted = at(finding(line=16), field_path=(*CONTAINERS, 1, "securityContext", "privileged"))
    result = compare_findings(head=[shifted], base=[finding()], renames={})
    assert statuses(result.head) == [(16, FindingStatus.EXISTING)]


def test_a_fixed_violation_is_fixed_and_a_new_one_new() -> None:
    other = finding(line=20, rule_id="K8S-002", message="Deployment 'web': container 'app' "
                    "allows privilege escalation")
    result = compare_findings(head=[other], base=[finding()], renames={})
    assert statuses(result.head) == [(20, FindingStatus.NEW)]
    assert statuses(result.fixed) == [(12, FindingStatus.FIXED)]
    assert result.fixed[0].location.path == "apps/web.yaml"  # where it was, on the base


def test_another_container_with_the_same_problem_is_new() -> None:
    sidecar = at(finding(line=20, message="Deployment 'web': container 'proxy' runs privileged"),
                 field_key="spec.template.spec.containers[name='proxy'].securityContext.privileged")
    result = compare_findings(head=[finding(), sidecar], base=[finding()], renames={})
    assert statuses(result.head) == [(12, FindingStatus.EXISTING), (20, FindingStatus.NEW)]


def test_duplicates_match_by_count() -> None:
    """Three identical findings on the head, two on the base: one is new."""
    load = Finding(rule_id="load/duplicate-key", severity=Severity.ERROR,
                   message="duplicate key 'a' (first at line 3)",
                   location=Location(path="x.yaml", line=3), engine=Engine.LOAD)
    head = [replace(load, location=Location(path="x.yaml", line=n),
                    message=f"duplicate key 'a' (first at line {n})") for n in (4, 8, 12)]
    base = [replace(load, location=Location(path="x.yaml", line=n),
                    message=f"duplicate key 'a' (first at line {n})") for n in (4, 9)]
    result = compare_findings(head=head, base=base, renames={})
    assert sorted(str(f.status) for f in result.head) == ["existing", "existing", "new"]
    # the one on the line the base had is matched first
    assert dict(statuses(result.head))[4] is FindingStatus.EXISTING
    fewer = compare_findings(head=head[:1], base=base, renames={})
    assert statuses(fewer.head) == [(4, FindingStatus.EXISTING)]
    assert len(fewer.fixed) == 1


def test_a_deleted_file_has_only_fixed_findings() -> None:
    result = compare_findings(head=[], base=[finding(), finding(line=40, rule_id="K8S-004")],
                              renames={})
    assert result.head == ()
    assert [f.status for f in result.fixed] == [FindingStatus.FIXED, FindingStatus.FIXED]


def test_a_namespace_set_by_an_overlay_does_not_matter_for_rendered_objects() -> None:
    rendered = finding(target="overlays/prod")
    moved = finding(target="overlays/staging", resource=replace(WEB, namespace="staging"))
    result = compare_findings(head=[moved], base=[rendered], renames={})
    assert statuses(result.head) == [(12, FindingStatus.EXISTING)]


def test_compare_reports_marks_the_report_compared_and_carries_fixed() -> None:
    head = Report(findings=(finding(line=30),), resources=2, files=1)
    base = Report(findings=(finding(line=12), finding(line=50, rule_id="K8S-004")),
                  resources=2, files=1)
    report = compare_reports(head=head, base=base, renames={})
    assert report.compared
    assert statuses(report.findings) == [(30, FindingStatus.EXISTING)]
    assert statuses(report.fixed) == [(50, FindingStatus.FIXED)]
    assert report.count(Severity.ERROR) == 1  # fixed findings are not the head's
    assert (report.resources, report.files) == (2, 1)
