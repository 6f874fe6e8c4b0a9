"""The bundled policy library is selected by name (``policies: [builtin]``, ``--policy builtin``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_cli import invoke

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: web, image: 'nginx:latest'}]
"""
OWN_POLICY = 'package main\n\nwarn contains "own rule" if { input.kind == "Pod" }\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(POD)
    return tmp_path


def _rules(out: str) -> set[str]:
    return {finding["rule_id"] for finding in json.loads(out)["findings"]}


def test_builtin_in_the_config_file_selects_the_library_and_its_packages(repo: Path) -> None:
    (repo / ".gitops-validator.yaml").write_text("settings:\n  policies: [builtin]\n")
    code, out, err = invoke("check", str(repo), "-o", "json")
    assert code == 1, err
    assert {"K8S-006", "K8S-004", "K8S-001"} & _rules(out) == {"K8S-006", "K8S-004"}


def test_builtin_by_flag_beside_the_repositorys_own_policies(repo: Path) -> None:
    (repo / "mine").mkdir()
    (repo / "mine" / "main.rego").write_text(OWN_POLICY)
    code, out, err = invoke("check", str(repo), "--policy", "builtin", "--policy", str(repo / "mine"),
                            "-o", "json")
    assert code == 1, err
    rules = _rules(out)
    assert "K8S-006" in rules
    assert any(not rule.startswith(("K8S-", "schema/")) for rule in rules), rules


def test_explicit_namespaces_still_win(repo: Path) -> None:
    code, out, err = invoke("check", str(repo), "--policy", "builtin", "--namespace",
                            "k8s.image_tag", "-o", "json")
    assert code == 1, err
    assert _rules(out) == {"K8S-006"}


def test_a_policy_folder_that_does_not_exist_is_an_error(repo: Path) -> None:
    code, _, err = invoke("check", str(repo), "--policy", str(repo / "nope"))
    assert code == 2
    assert "nope: no such policy file or folder" in err
    assert "builtin" in err
