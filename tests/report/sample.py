"""A fixed, hand-made report that exercises every reporter feature, for golden files."""

from __future__ import annotations

from validator.model import (
    Engine,
    Finding,
    Location,
    Report,
    ResourceRef,
    Rule,
    Severity,
    Skipped,
    sort_findings,
)
from validator.report import RenderOptions

WEB = ResourceRef(api_version="apps/v1", kind="Deployment", namespace="prod", name="web")
SVC = ResourceRef(api_version="v1", kind="Service", namespace="prod", name="web")
CM = ResourceRef(api_version="v1", kind="ConfigMap", name="settings")

#: A message with every character some format must escape.
SPECIAL_MESSAGE = 'kustomize build failed: 100% broken,\nerror: <resource> & "more" — ünïcödé ✓'

GOLDEN_OPTIONS = RenderOptions(
    tool_version="0.0.0-test",
    root_uri="file:///work/repo",
    information_uri="https://example.com/gitops-validator",
)


def _finding(
    rule_id: str,
    severity: Severity,
    message: str,
    location: Location,
    *,
    engine: Engine,
    resource: ResourceRef | None = None,
    title: str = "",
    help_uri: str = "",
    target: str = "",
) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, message=message, location=location,
                   engine=engine, resource=resource, title=title, help_uri=help_uri, target=target)


def sample_findings() -> list[Finding]:
    """Several files, all severities, line 0, no resource, special characters."""
    deploy = "apps/web/deployment.yaml"
    return [
        _finding("K8S-001", Severity.WARNING, "image uses the latest tag: nginx:latest",
                 Location(path=deploy, line=20, column=18,
                          field_path=("spec", "template", "spec", "containers", 0, "image")),
                 engine=Engine.POLICY, resource=WEB, title="Image tag: pinned, not latest",
                 help_uri="https://example.com/policies/K8S-001"),
        _finding("schema/type", Severity.ERROR, "expected integer, got string '3'",
                 Location(path=deploy, line=8, column=13, field_path=("spec", "replicas")),
                 engine=Engine.SCHEMA, resource=WEB, title="Wrong type", target="apps/web/overlays/prod"),
        _finding("K8S-010", Severity.INFO, "naïve label value ✓ (consider app.kubernetes.io/name)",
                 Location(path=deploy, line=4, column=3, field_path=("metadata", "labels")),
                 engine=Engine.POLICY, resource=WEB),
        _finding("K8S-002", Severity.ERROR, "Service selects no pods",
                 Location(path=deploy, line=31, column=1), engine=Engine.POLICY,
                 resource=SVC),
        _finding("K8S-002", Severity.ERROR, "ConfigMap has no owner",
                 Location(path=deploy, line=40, column=0), engine=Engine.POLICY,
                 resource=CM),
        _finding("render/kustomize", Severity.ERROR, SPECIAL_MESSAGE,
                 Location(path="apps/web/kustomization.yaml"), engine=Engine.RENDER),
        _finding("load/duplicate-key", Severity.WARNING,
                 "duplicate key 'image' (\x1b[31mfirst\x1b[0m at line 2)",
                 Location(path="charts/my chart,v2/values.yaml", line=5, column=3),
                 engine=Engine.LOAD),
    ]


def sample_report() -> Report:
    """The fixed report the golden files are built from."""
    return Report(
        findings=sort_findings(sample_findings()),
        resources=7,
        files=4,
        rules=(
            Rule(id="schema/type", title="Wrong type",
                 description="A field has a value of the wrong JSON type."),
            Rule(id="K8S-001", title="Image tag: pinned, not latest",
                 description="Container images must be pinned to a tag other than latest.",
                 help_uri="https://example.com/policies/K8S-001"),
        ),
        skipped=(
            Skipped(path="secrets/db.yaml", reason="--skip-kinds Secret"),
            Skipped(path="README.md", reason="not a YAML or JSON file"),
        ),
        tool_versions=(("opa", "1.22.3"), ("kustomize", "5.8.2")),
    )


def report_with(findings: list[Finding], *, resources: int, files: int) -> Report:
    """A small report for wording and property checks."""
    return Report(findings=sort_findings(findings), resources=resources, files=files)


def error_at(path: str, line: int = 1, severity: Severity = Severity.ERROR) -> Finding:
    """A plain finding about one Deployment."""
    return _finding("schema/required", severity, "missing field", Location(path=path, line=line),
                    engine=Engine.SCHEMA, resource=WEB)
