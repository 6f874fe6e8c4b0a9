"""A removed built-in API says when it was removed and what replaces it, whatever the flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.schema.repo import check, rules_at, write
from validator.schema.removed import REMOVED_APIS, removed_api

DAEMONSET = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
---
apiVersion: extensions/v1beta1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers: [{name: agent, image: agent:1}]
"""


@pytest.mark.parametrize("engine", ["builtin", "kubeconform"])
@pytest.mark.parametrize("flags", [(), ("--ignore-missing-schemas",)])
def test_removed_daemonset_is_an_error_naming_version_and_replacement(
        engine: str, flags: tuple[str, ...], tmp_path: Path) -> None:
    write(tmp_path / "repo", "agent.yaml", DAEMONSET)
    code, findings, output = check(tmp_path / "repo", *flags, engine=engine)
    assert code == 1, output
    assert rules_at(findings) == [("schema/removed-api", "agent.yaml", 5)]
    (finding,) = findings
    assert finding["severity"] == "error"
    assert finding["message"] == (
        "DaemonSet extensions/v1beta1 was removed in Kubernetes 1.16 (checking against 1.35): "
        "use apps/v1")


def test_removed_only_from_the_version_that_removed_it() -> None:
    assert removed_api("DaemonSet", "extensions/v1beta1", "1.35") is not None
    assert removed_api("FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta3", "1.31") is None
    assert removed_api("FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta3", "1.32") is not None
    assert removed_api("DaemonSet", "apps/v1", "1.35") is None


def test_table_entries_are_well_formed() -> None:
    for (api_version, kind), entry in REMOVED_APIS.items():
        assert "/" in api_version
        assert kind[0].isupper()
        assert entry.removed_in.startswith("1.")
        assert entry.replacement != api_version
