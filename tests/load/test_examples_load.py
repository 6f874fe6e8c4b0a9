"""The examples for typed lists and YAML reading, through the real CLI, OPA and schemas."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from validator.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_typed_list_and_yaml_semantics_examples() -> None:
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "apps"), "-o", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]

    def at(name: str) -> list[tuple[str, int, str]]:
        return sorted((f["rule_id"], f["line"], f["field_path"]) for f in findings
                      if f["path"].endswith(name))

    privileged = "spec.template.spec.containers[0].securityContext.privileged"
    assert at("typed-list/deployments.yaml") == [("K8S-001", 45, privileged)]
    assert at("yaml-semantics/settings.yaml") == [("schema/type", 14, "data.debug")]


def test_a_set_is_reported_as_the_mapping_it_is(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        "  labels: !!set {a, b}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec:\n      containers: !!set {app}\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-policy", "-o", "json"],
                                catch_exceptions=False)
    messages = [(f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    # labels: a mapping of nulls, as Go reads it (it was "expected object, got object")
    assert messages == [(11, "spec.template.spec.containers: expected array, got object")]
