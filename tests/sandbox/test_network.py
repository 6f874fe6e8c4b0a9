"""Renders make no network connection, loopback included; every attempt is a finding.

A loopback listener stands in for every server a chart or kustomization could name:
schema ``$ref``, OCI and HTTP chart repositories, ``lookup``, remote bases and files,
``helmCharts``. Nothing may arrive there, and each attempt is a finding on the file
that asked for it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.sandbox.support import run_cli, write, write_chart
from tests.support.listener import Listener, loopback_listener
from validator.errors import CommandError
from validator.process import Command, network_isolation, run
from validator.sandbox import NetworkIsolation


def _chart_routes(root: Path, listener: Listener) -> None:
    write_chart(root, "charts/ref", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ref}\n")
    write(root, "charts/ref/values.schema.json",
          '{"type": "object", "properties": {"a": {"$ref": "' + listener.url + '/schema.json"}}}')
    write(root, "charts/ref/values.yaml", "a: 1\n")
    write(root, "charts/oci/Chart.yaml", f"""\
apiVersion: v2
name: oci
version: 0.1.0
dependencies:
  - name: remote
    version: 1.0.0
    repository: oci://{listener.host}/charts
""")
    write(root, "charts/oci/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: oci}\n")
    write(root, "charts/http/Chart.yaml", f"""\
apiVersion: v2
name: http
version: 0.1.0
dependencies:
  - name: other
    version: 1.0.0
    repository: {listener.url}/charts
""")
    write(root, "charts/http/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: http}\n")
    write_chart(root, "charts/lookup", """\
apiVersion: v1
kind: ConfigMap
metadata: {name: lookup}
data:
  found: {{ lookup "v1" "Namespace" "" "" | toJson | quote }}
""")


def _kustomize_routes(root: Path, listener: Listener) -> None:
    write(root, "kust/resource/kustomization.yaml", f"resources:\n  - {listener.url}/cm.yaml\n")
    write(root, "kust/git/kustomization.yaml",
          f"resources:\n  - git::{listener.url}/repo.git//base?ref=main\n")
    write(root, "kust/helm/kustomization.yaml", f"""\
helmCharts:
  - name: chart
    repo: {listener.url}/charts
    version: 1.0.0
""")
    write(root, "kust/patch/kustomization.yaml", f"""\
resources: [cm.yaml]
patches:
  - path: {listener.url}/patch.yaml
""")
    write(root, "kust/patch/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n")
    write(root, "kust/generator/kustomization.yaml", f"""\
configMapGenerator:
  - name: gen
    files:
      - {listener.url}/file.txt
""")
    write(root, "kust/openapi/kustomization.yaml",
          f"resources: [cm.yaml]\nopenapi:\n  path: {listener.url}/openapi.json\n")
    write(root, "kust/openapi/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o}\n")


def test_no_render_reaches_the_network_and_each_attempt_is_a_finding(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    with loopback_listener() as listener:
        _chart_routes(root, listener)
        _kustomize_routes(root, listener)
        code, report, stderr = run_cli(root, tmp_path / "tmp", "--no-policy")
        assert listener.connections == []
    assert code == 1, stderr
    findings = report["findings"]
    assert isinstance(findings, list)
    by_path: dict[str, list[dict[str, str]]] = {}
    for finding in findings:
        by_path.setdefault(finding["path"], []).append(finding)
    expected = ["charts/ref/values.schema.json", "charts/oci/Chart.yaml", "charts/http/Chart.yaml",
                "kust/resource/kustomization.yaml", "kust/git/kustomization.yaml",
                "kust/helm/kustomization.yaml", "kust/patch/kustomization.yaml",
                "kust/generator/kustomization.yaml", "kust/openapi/kustomization.yaml"]
    missing = [path for path in expected if path not in by_path]
    assert missing == [], findings
    schema = by_path["charts/ref/values.schema.json"][0]
    assert schema["rule_id"] == "render/network-refused", schema
    assert f"{listener.url}/schema.json" in schema["message"]
    # lookup makes no request in `helm template`: the chart renders, with nothing found
    assert "charts/lookup/Chart.yaml" not in by_path


@pytest.mark.skipif(network_isolation() is NetworkIsolation.NONE,
                    reason="this kernel allows no network namespace")
def test_an_isolated_command_cannot_connect_even_to_loopback() -> None:
    with loopback_listener() as listener:
        script = ("import socket, sys\n"
                  f"socket.create_connection(('127.0.0.1', {listener.port}), timeout=5)\n")
        with pytest.raises(CommandError, match="Network is unreachable"):
            run(Command(args=(sys.executable, "-c", script), isolate_network=True))
        open_run = run(Command(args=(sys.executable, "-c", script)))  # the control: it can
        assert open_run.returncode == 0
        assert len(listener.connections) == 1
