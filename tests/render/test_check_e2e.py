"""``gitops-validator check`` on the sample repository: findings land on the file a reviewer edits."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.render.helpers import SAMPLE_REPO
from validator.cli import main

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_policy_findings_point_at_patches_templates_and_value_sets() -> None:
    result = CliRunner().invoke(main, [
        "check", str(SAMPLE_REPO), "--root", str(SAMPLE_REPO), "--namespace", "k8s.*",
        "--policy", str(POLICIES), "--no-progress", "--jobs", "2", "-o", "json"],
        catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]

    def at(rule: str) -> list[tuple[str, int, str]]:
        return [(f["path"], f["line"], f["resource"]["namespace"]) for f in findings
                if f["rule_id"] == rule]

    # privileged: set by the prod overlay's patch, so reported there, once
    assert at("K8S-001") == [("apps/web/overlays/prod/security.yaml", 11, "web-prod")]
    # latest tag: set by the prod overlay's images: entry
    assert at("K8S-006") == [("apps/web/overlays/prod/kustomization.yaml", 22, "web-prod")]
    # hostNetwork: only the prod value set turns it on, so it is reported once, on the line
    # of the prod values file that sets it (the template copies it verbatim); the object is in
    # the release namespace, as helm installs it
    assert at("K8S-009") == [("charts/api/values-prod.yaml", 2, "api-prod")]
    # nothing reports a line in rendered output that no one can edit
    assert all(not f["path"].startswith("/") and f["line"] > 0 for f in findings)
    assert "kubernetes.io/origin" not in result.stdout
