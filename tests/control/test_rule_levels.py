"""Rules turned off or re-levelled by id, in ``.gitops-validator.yaml`` (``rules:``) and by ``--rule``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_cli import invoke

LIBRARY = Path(__file__).resolve().parents[2] / "policies"

#: No namespace (K8S-016, warning), a latest tag (K8S-006, error) and a wrong type (schema/type).
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:latest
      ports: [{containerPort: "80"}]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(POD)
    return tmp_path


def _levels(repo: Path, *args: str) -> tuple[int, dict[str, str], dict[str, object]]:
    code, out, err = invoke("check", str(repo), "--policy", str(LIBRARY), "--namespace",
                            "k8s.namespace", "--namespace", "k8s.image_tag", "-o", "json", *args)
    assert code in (0, 1), err
    document = json.loads(out)
    return code, {f["rule_id"]: f["severity"] for f in document["findings"]}, document


def test_without_overrides_the_rules_have_their_own_levels(repo: Path) -> None:
    code, levels, _ = _levels(repo)
    assert code == 1
    assert levels == {"K8S-016": "warning", "K8S-006": "error", "schema/type": "error"}


def test_config_turns_rules_off_and_relevels_them(repo: Path) -> None:
    (repo / ".gitops-validator.yaml").write_text(
        "rules:\n  K8S-016: off\n  K8S-006: warning\n  schema/type: info\n")
    code, levels, document = _levels(repo)
    assert code == 0
    assert levels == {"K8S-006": "warning", "schema/type": "info"}
    summary = document["summary"]
    assert isinstance(summary, dict)
    assert {"what": "finding", "reason": "not reported: rule turned off", "count": 1} in summary[
        "not_checked"]


def test_flags_beat_the_config_file_rule_by_rule(repo: Path) -> None:
    (repo / ".gitops-validator.yaml").write_text("rules:\n  K8S-016: off\n  K8S-006: warning\n")
    _, levels, _ = _levels(repo, "--rule", "K8S-006=error,K8S-016=info")
    assert levels == {"K8S-016": "info", "K8S-006": "error", "schema/type": "error"}
    _, levels, _ = _levels(repo, "--rule", "schema/type=off")
    assert levels == {"K8S-006": "warning"}


def test_a_rule_id_that_names_no_rule_is_an_error(repo: Path) -> None:
    code, _, err = invoke("check", str(repo), "--policy", str(LIBRARY), "--namespace",
                          "k8s.namespace", "--rule", "K8S-999=off")
    assert code == 2
    assert "--rule K8S-999: no rule has this id (policy rules that ran: K8S-016;" in err


def test_a_bad_rule_setting_is_a_plain_error(repo: Path) -> None:
    code, _, err = invoke("check", str(repo), "--no-policy", "--rule", "K8S-006=loud")
    assert code == 2
    assert "--rule K8S-006=loud: the level must be off, error, warning or info" in err
    (repo / ".gitops-validator.yaml").write_text("rules:\n  K8S-006: loud\n")
    code, _, err = invoke("check", str(repo), "--no-policy")
    assert code == 2
    assert ".gitops-validator.yaml:2: rules.K8S-006: must be one of off, error, warning, info " \
           "(got 'loud')" in err


def test_a_config_rule_id_that_names_no_rule_names_its_line(repo: Path) -> None:
    (repo / ".gitops-validator.yaml").write_text("version: 1\nrules:\n  K8S-016: warning\n  K8S-99: off\n")
    code, _, err = invoke("check", str(repo), "--policy", str(LIBRARY), "--namespace", "k8s.namespace")
    assert code == 2
    assert ".gitops-validator.yaml:4: rules.K8S-99: no rule has this id" in err


def test_a_rule_of_a_package_left_out_of_the_run_is_not_an_unknown_id(repo: Path) -> None:
    """``rules: {K8S-016: off}`` with ``namespaces: [k8s.*, '!k8s.namespace']`` (the example in
    docs/configuration.md), or a narrower ``--namespace`` on the command line, is no
    configuration error: the rule exists, it just did not run. A typo still is one."""
    (repo / ".gitops-validator.yaml").write_text(
        "version: 1\nsettings:\n  policies: [builtin]\n  namespaces: ['k8s.*', '!k8s.namespace']\n"
        "rules:\n  K8S-016: off\n  K8S-005: error\n")
    code, out, err = invoke("check", str(repo), "-o", "json")
    assert code == 1, err
    assert "K8S-006" in {f["rule_id"] for f in json.loads(out)["findings"]}
    code, _, err = invoke("check", str(repo), "--namespace", "k8s.image_tag", "--rule", "K8S-001=off")
    assert code == 1, err
    code, _, err = invoke("check", str(repo), "--namespace", "k8s.image_tag", "--rule", "K8S-0001=off")
    assert code == 2
    assert "--rule K8S-0001: no rule has this id" in err
