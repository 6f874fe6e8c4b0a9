"""Selecting policy packages: exclusions with ``!``, and a name that selects nothing is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_cli import invoke
from validator.errors import PolicyError
from validator.policy.modules import PolicyModule, select_namespaces

MODULES = [PolicyModule(path=f"{ns}.rego", package=tuple(ns.split(".")), rule_lines={"deny": 3})
           for ns in ("main", "k8s.apps", "k8s.namespace", "k8s.security")]


@pytest.mark.parametrize(("patterns", "expected"), [
    (("k8s.*", "!k8s.namespace"), ("k8s.apps", "k8s.security")),
    (("!k8s.namespace",), ("k8s.apps", "k8s.security", "main")),
    (("*", "!k8s.*"), ("main",)),
    (("k8s.apps", "main", "!main"), ("k8s.apps",)),
])
def test_exclusions_leave_packages_out(patterns: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert select_namespaces(MODULES, patterns, all_namespaces=False) == expected


def test_exclusions_apply_to_all_namespaces() -> None:
    assert select_namespaces(MODULES, ("!k8s.security", "!main"), all_namespaces=True) == (
        "k8s.apps", "k8s.namespace")


@pytest.mark.parametrize(("patterns", "absent"), [
    (("k8s.nope",), "k8s.nope"),
    (("main", "k8s.nope"), "k8s.nope"),
    (("z*", "main"), "z*"),
    (("k8s.*", "!k8s.nope"), "!k8s.nope"),
    (("main", "!k8s.apps"), "!k8s.apps"),  # excludes nothing that was selected
])
def test_a_selection_naming_something_absent_is_an_error(patterns: tuple[str, ...],
                                                        absent: str) -> None:
    with pytest.raises(PolicyError) as caught:
        select_namespaces(MODULES, patterns, all_namespaces=False)
    message = str(caught.value)
    assert f"namespace {absent} (" in message
    assert "packages with rules: k8s.apps, k8s.namespace, k8s.security, main" in message


def test_selecting_everything_away_is_an_error() -> None:
    with pytest.raises(PolicyError, match="leave no package"):
        select_namespaces(MODULES, ("k8s.apps", "!k8s.*"), all_namespaces=False)


def test_exclusion_and_absent_names_end_to_end(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        "  containers: [{name: web, image: 'nginx:latest'}]\n")
    code, out, err = invoke("check", str(tmp_path), "--policy", "builtin", "--namespace", "k8s.*",
                            "--namespace", "!k8s.image_tag", "-o", "json")
    assert code == 1, err
    rules = {f["rule_id"] for f in json.loads(out)["findings"]}
    assert "K8S-006" not in rules
    assert "K8S-016" in rules
    code, _, err = invoke("check", str(tmp_path), "--policy", "builtin", "--namespace", "k8s.imagetag")
    assert code == 2
    assert "no policy package for namespace k8s.imagetag (packages with rules: k8s." in err
