"""End to end through ``python -m validator check`` (needs the CLI): both schema engines agree."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from validator.process import Command, run

CASES = Path(__file__).parent / "cases"


def _tools_env() -> dict[str, str]:
    """The environment naming where the tools are (``Command`` starts from a scrubbed one)."""
    return {name: os.environ[name] for name in ("GITOPS_VALIDATOR_TOOLS_DIR", "XDG_CACHE_HOME")
            if name in os.environ}


def check(case: str, engine: str, tmp_path: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    folder = CASES / case
    result = run(Command(
        args=(sys.executable, "-m", "validator", "check", "--no-policy", "--no-progress",
              "--schema-engine", engine, "-o", "json", "--root", str(folder), *extra,
              str(folder / "input.yaml")),
        env={**_tools_env(), "XDG_CACHE_HOME": str(tmp_path)}, ok_codes=frozenset({0, 1}), cwd=tmp_path))
    findings = json.loads(result.stdout)["findings"]
    return result.returncode, [f for f in findings if str(f["rule_id"]).startswith("schema/")]


@pytest.mark.parametrize("engine", ["builtin", "kubeconform"])
def test_cli_reports_schema_findings_with_lines(engine: str, tmp_path: Path) -> None:
    code, findings = check("wrong-type", engine, tmp_path)
    assert code == 1
    assert [(f["rule_id"], f["line"], f["engine"]) for f in findings] == [
        ("schema/type", 6, "schema" if engine == "builtin" else "kubeconform"),
        ("schema/type", 17, "schema" if engine == "builtin" else "kubeconform"),
    ]
    assert code == check("valid", engine, tmp_path, "--strict")[0] + 1


@pytest.mark.parametrize("engine", ["builtin", "kubeconform"])
def test_cli_strict_and_ignore_missing_schemas(engine: str, tmp_path: Path) -> None:
    code, findings = check("unknown-field-strict", engine, tmp_path, "--strict")
    assert code == 1
    assert {f["field_path"] for f in findings} == {"spec.ports[0].protocl", "spec.typo"}
    assert check("unknown-field-strict", engine, tmp_path)[0] == 0
    assert check("crd-without-schema", engine, tmp_path)[0] == 1
    assert check("crd-without-schema", engine, tmp_path, "--ignore-missing-schemas")[0] == 0


@pytest.mark.parametrize("engine", ["builtin", "kubeconform"])
def test_int_or_string_message_names_what_was_given(engine: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n"
        "    - port: 80\n      targetPort: true\n")
    result = run(Command(args=(sys.executable, "-m", "validator", "check", str(tmp_path),
                               "--no-policy", "--schema-engine", engine, "-o", "json"),
                         env=_tools_env(), ok_codes=frozenset({1})))
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["rule_id"], finding["line"]) == ("schema/one-of", 7)
    assert finding["message"] == (
        "spec.ports[0].targetPort: this boolean matches none of the forms the schema allows (oneOf)")
