"""The bundled policy library (policies/) evaluated by the real ``opa eval`` on fixture manifests.

Each ``library_cases/<rule>/`` holds ``input.yaml`` (manifests that break the rule) and
``expected.yaml`` (the package and every finding it must produce: document index, exact
field path, a message fragment). ``library_cases/compliant/`` holds best-practice
manifests on which no ``k8s.*`` rule may fire. The rule metadata (``opa inspect``) and
docs/policy-library.md are checked against each other too.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from validator.process import Command, run
from validator.tools import PROJECT_ROOT, Tool, require_tool

POLICIES = PROJECT_ROOT / "policies"
CASES = Path(__file__).parent / "library_cases"
DOCS = PROJECT_ROOT / "docs" / "policy-library.md"
RULE_PACKAGES = sorted(p.stem for p in (POLICIES / "k8s").glob("*.rego")
                       if not p.stem.endswith("_test"))
VIOLATION_CASES = sorted(p.name for p in CASES.iterdir() if (p / "expected.yaml").is_file())

#: Every deny/warn result of every k8s.* package, for every document of the input array.
QUERY = """[r |
  some i, doc in input
  some rule in ["deny", "warn"]
  results := data.k8s[pkg][rule] with input as doc
  some result in results
  r := {"doc": i, "package": concat(".", ["k8s", pkg]), "rule": rule,
        "msg": result.msg, "path": result.path}
]"""


def evaluate(manifest: Path) -> list[dict[str, Any]]:
    """All findings of the library on the documents of ``manifest``, by the real OPA."""
    documents = [doc for doc in yaml.safe_load_all(manifest.read_text()) if doc is not None]
    command = Command(
        args=(str(require_tool(Tool.OPA)), "eval", "--format", "json", "--stdin-input",
              "--data", str(POLICIES), QUERY),
        stdin=json.dumps(documents).encode(), timeout=120)
    output = json.loads(run(command).stdout)
    value: list[dict[str, Any]] = output["result"][0]["expressions"][0]["value"]
    return value


@functools.cache
def metadata() -> dict[str, dict[str, Any]]:
    """``{package: annotations}`` of the library's rule packages, from ``opa inspect -a``."""
    command = Command(args=(str(require_tool(Tool.OPA)), "inspect", "--annotations",
                            "--format", "json", str(POLICIES)), timeout=120)
    inspected = json.loads(run(command).stdout)
    found = {}
    for entry in inspected["annotations"]:
        package = ".".join(part["value"] for part in entry["path"][1:])
        if entry["annotations"].get("scope") == "package" and package.startswith("k8s."):
            found[package] = entry["annotations"]
    return found


def test_every_rule_has_a_violation_case() -> None:
    assert RULE_PACKAGES, "no rules found under policies/k8s"
    assert VIOLATION_CASES == RULE_PACKAGES


@pytest.mark.parametrize("case", VIOLATION_CASES)
def test_rule_fires_with_expected_paths(case: str) -> None:
    expected = yaml.safe_load((CASES / case / "expected.yaml").read_text())
    package = expected["package"]
    assert package == f"k8s.{case}"
    found = [f for f in evaluate(CASES / case / "input.yaml") if f["package"] == package]
    assert sorted((f["doc"], f["path"]) for f in found) == sorted(
        (e["doc"], e["path"]) for e in expected["findings"])
    unmatched = list(found)
    for item in expected["findings"]:
        finding = next(f for f in unmatched if (f["doc"], f["path"]) == (item["doc"], item["path"])
                       and item["message"] in f["msg"])
        unmatched.remove(finding)
        assert finding["msg"][0].isupper()
        assert "{" not in finding["msg"]
    severity = metadata()[package]["custom"]["severity"]
    assert {f["rule"] for f in found} == {"deny" if severity == "error" else "warn"}


@pytest.mark.parametrize("manifest", sorted((CASES / "compliant").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_compliant_manifests_pass_every_rule(manifest: Path) -> None:
    assert evaluate(manifest) == []


def test_rule_metadata_is_complete_and_ids_are_unique() -> None:
    found = metadata()
    assert sorted(found) == [f"k8s.{name}" for name in RULE_PACKAGES]
    ids = [notes["custom"]["id"] for notes in found.values()]
    assert len(set(ids)) == len(ids)
    for package, notes in found.items():
        assert re.fullmatch(r"K8S-\d{3}", notes["custom"]["id"]), package
        assert notes["custom"]["severity"] in {"error", "warning", "info"}, package
        assert notes["title"], package
        assert notes["description"], package
        refs = [r["ref"] for r in notes["related_resources"]]
        assert all(ref.startswith("https://kubernetes.io/docs/") for ref in refs), package


def test_docs_list_every_rule() -> None:
    docs = DOCS.read_text()
    for package, notes in metadata().items():
        row = re.search(rf"^\| {notes['custom']['id']} \|(.*)$", docs, re.MULTILINE)
        assert row, f"{package} is missing from {DOCS.name}"
        assert f"`{package}`" in row.group(1)
        assert notes["custom"]["severity"] in row.group(1)
