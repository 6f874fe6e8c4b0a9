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
