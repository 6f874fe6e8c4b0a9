"""Renders make no network connection, loopback included; every attempt is a finding.

A loopback listener stands in for every server a chart or kustomization could name:
schema ``$ref``, OCI and HTTP chart repositories, ``lookup``, remote bases and files,
``helmCharts``. Nothing may arrive there, and each attempt is a finding on the file
that asked for it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.support import run_cli, write, write_chart
from tests.support.listener import Listener, loopback_listener
from validator.errors import CommandError
from validator.process import Command, network_isolation, run
from validator.render import RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config
from validator.sandbox import NetworkIsolation
from validator.tools import Tool, require_tool


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
    # a builtin transformer's own file names a remote patch: only kustomize sees that URL
    write(root, "kust/transformer/kustomization.yaml", "resources: [cm.yaml]\ntransformers: [t.yaml]\n")
    write(root, "kust/transformer/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\n")
    write(root, "kust/transformer/t.yaml", f"""\
apiVersion: builtin
kind: PatchTransformer
metadata: {{name: remote}}
path: {listener.url}/transformer-patch.yaml
target: {{kind: ConfigMap}}
""")


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
    by_path: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_path.setdefault(finding["path"], []).append(finding)
    expected = ["charts/ref/values.schema.json", "charts/oci/Chart.yaml", "charts/http/Chart.yaml",
                "kust/resource/kustomization.yaml", "kust/git/kustomization.yaml",
                "kust/helm/kustomization.yaml", "kust/patch/kustomization.yaml",
                "kust/generator/kustomization.yaml", "kust/openapi/kustomization.yaml",
                "kust/transformer/kustomization.yaml"]
    missing = [path for path in expected if path not in by_path]
    assert missing == [], findings
    # the values schema is checked in process (helm runs with --skip-schema-validation), and its
    # remote reference is refused there before anything could fetch it
    schema = by_path["charts/ref/values.schema.json"][0]
    assert schema["rule_id"] == "schema/remote-reference", schema
    assert f"{listener.url}/schema.json" in schema["message"]
    # the builtin transformer's remote path is refused before kustomize runs, on the
    # kustomization's entry that names the transformer config
    transformer = by_path["kust/transformer/kustomization.yaml"][0]
    assert transformer["rule_id"] == "render/remote-resource", transformer
    assert f"{listener.url}/transformer-patch.yaml" in transformer["message"]
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


UNPRIVILEGED = """\
import socket, sys
from pathlib import Path
from validator.errors import CommandError
from validator.process import Command, network_isolation, run
from validator.render import RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config
print(network_isolation().name)
connect = f"exec 3<>/dev/tcp/127.0.0.1/{sys.argv[1]}"
try:
    run(Command(args=("bash", "-c", connect), isolate_network=True))
    print("connected")
except CommandError as exc:
    print("refused" if "unreachable" in exc.stderr else exc)
home = Path(sys.argv[2])
out = run(Command(args=(sys.argv[3], "template", "r", str(home / "chart")), isolate_network=True,
                  env={"HOME": str(home), "HELM_CACHE_HOME": str(home / "cache")}, cwd=home))
print("rendered" if b"kind: ConfigMap" in out.stdout else out.stdout)
"""


@pytest.mark.skipif(os.geteuid() != 0 or not (shutil.which("setpriv") and shutil.which("bash")),
                    reason="needs root to become another user")
def test_without_root_a_user_namespace_isolates_and_files_stay_writable() -> None:
    """What a GitHub runner without root gets: CLONE_NEWUSER|CLONE_NEWNET, ids mapped."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder, loopback_listener() as listener:
        home = Path(folder)  # pytest's own folders are private to root
        write_chart(home, "chart", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        for path in (home, *home.rglob("*")):
            os.chown(path, 65534, 65534)
        result = run(Command(
            args=("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                  sys.executable, "-c", UNPRIVILEGED, str(listener.port), str(home),
                  str(require_tool(Tool.HELM))),
            env={"PYTHONPATH": os.pathsep.join(sys.path), "HOME": str(home)}, cwd=home))
        assert listener.connections == []
    assert result.stdout.decode().split() == ["USERNS", "refused", "rendered"], result.stderr


def test_a_run_without_a_namespace_says_so_once(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.render import engine  # noqa: PLC0415

    write(tmp_path, "k/kustomization.yaml", "resources: [cm.yaml]\n")
    write(tmp_path, "k/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\n")
    write(tmp_path, "plain/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n")
    (tmp_path / ".git").mkdir()
    plan = discover_targets(tmp_path, [tmp_path], load_repo_config(tmp_path))
    monkeypatch.setattr(engine, "network_isolation", lambda: NetworkIsolation.NONE)
    notes = [s.reason for s in render_targets(plan, RenderSettings(), root=tmp_path).skipped]
    assert len([n for n in notes if "without network isolation" in n]) == 1, notes
    plain = discover_targets(tmp_path, [tmp_path / "plain"], load_repo_config(tmp_path))
    notes = [s.reason for s in render_targets(plain, RenderSettings(), root=tmp_path).skipped]
    assert not [n for n in notes if "without network isolation" in n], notes
