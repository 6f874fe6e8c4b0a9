"""Charts with random functions render to the same bytes on every run; test hooks are skipped.

Uses the real helm: sprig's random functions (randAlphaNum, uuidv4, genCA...) have no
seed, so without stabilisation two runs name objects and quote values differently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests.render.helpers import render_repo, write
from validator.cli import main
from validator.render import RenderResult, RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config

CHART = "charts/rand"

#: Objects whose names, values and messages come from random functions (none are test hooks).
TEMPLATES = {
    "templates/configmap.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-{{ randAlphaNum 6 | lower }}
  annotations:
    request-id: {{ uuidv4 | quote }}
data:
  password: {{ randAlphaNum 16 | quote }}
  number: {{ randNumeric 4 | quote }}
  count: {{ randInt 1000 9999 }}
""",
    "templates/deployment.yaml": """\
{{- $suffix := randAlphaNum 5 | lower }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{{ $suffix }}
  labels:
    app: web-{{ $suffix }}
spec:
  replicas: {{ randAlphaNum 12 | quote }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          env:
            - name: TOKEN
              value: {{ randAlphaNum 12 | b64enc | quote }}
""",
    "templates/secret.yaml": """\
{{- $ca := genCA "rand-ca" 365 }}
apiVersion: v1
kind: Secret
metadata:
  name: tls-{{ randAlphaNum 4 | lower }}
type: kubernetes.io/tls
data:
  tls.crt: {{ $ca.Cert | b64enc | quote }}
  tls.key: {{ $ca.Key | b64enc | quote }}
  bad: 42
""",
    "templates/tests/test-connection.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: "{{ .Release.Name }}-test-connection"
  annotations:
    "helm.sh/hook": test
spec:
  containers:
    - name: wget
      image: busybox
      command: ['wget', '{{ .Release.Name }}:80']
  restartPolicy: Never
""",
}


def _random_chart(root: Path) -> None:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    write(root, f"{CHART}/Chart.yaml", "apiVersion: v2\nname: rand\nversion: 0.1.0\n")
    write(root, f"{CHART}/values.yaml", "{}\n")
    for path, text in TEMPLATES.items():
        write(root, f"{CHART}/{path}", text)


def _check(root: Path, out: Path) -> dict[str, bytes]:
    formats = ("text", "json", "sarif", "junit", "github")
    out.mkdir()
    args = ["check", str(root), "--root", str(root), "--no-policy", "--no-progress", "--no-color",
            "--jobs", "1"]
    for fmt in formats:
        args += ["-o", f"{fmt}={out / fmt}"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return {fmt: (out / fmt).read_bytes() for fmt in formats}


def test_two_runs_on_a_chart_with_random_functions_print_identical_bytes(tmp_path: Path) -> None:
    _random_chart(tmp_path / "repo")
    first = _check(tmp_path / "repo", tmp_path / "first")
    second = _check(tmp_path / "repo", tmp_path / "second")
    for fmt in first:
        assert first[fmt] == second[fmt], fmt
    report = json.loads(first["json"])
    findings = report["findings"]
    # the checks still judge the objects with random names and values
    names = {f["resource"]["name"] for f in findings if f.get("resource")}
    assert any(name.startswith("web-") for name in names), names
    assert any(name.startswith("cfg-") for name in names), names
    assert any(name.startswith("tls-") for name in names), names
    fingerprints = [f["fingerprint"] for f in findings]
    assert fingerprints == [f["fingerprint"] for f in json.loads(second["json"])["findings"]]


def _documents(result: RenderResult) -> dict[str, dict[str, Any]]:
    return {d.kind: dict(d.body) for d in result.documents if d.target.startswith(CHART)}


def test_stand_ins_keep_the_form_of_the_random_values(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    first, second = _documents(render_repo(root)), _documents(render_repo(root))
    assert first == second
    config = first["ConfigMap"]
    name = config["metadata"]["name"]
    assert name.startswith("cfg-"), name
    assert len(name) == 10, name
    assert name == name.lower(), name
    data = config["data"]
    assert len(data["password"]) == 16
    assert data["password"].isalnum()
    assert len(data["number"]) == 4
    assert data["number"].isdigit()
    assert isinstance(data["count"], int)
    assert 1000 <= data["count"] <= 9999
    request_id = config["metadata"]["annotations"]["request-id"]
    assert [len(part) for part in request_id.split("-")] == [8, 4, 4, 4, 12], request_id
    assert all(c in "0123456789abcdef-" for c in request_id), request_id
    deployment = first["Deployment"]
    # one random value used twice gets one stand-in
    assert deployment["metadata"]["name"] == deployment["metadata"]["labels"]["app"]


def test_helm_test_hooks_are_skipped_and_listed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    result = render_repo(root)
    assert "Pod" not in _documents(result)
    skipped = [s for s in result.skipped if s.path == f"{CHART}/templates/tests/test-connection.yaml"]
    assert len(skipped) == 1, result.skipped
    assert "helm.sh/hook: test" in skipped[0].reason
    assert "Pod default/rand-test-connection" in skipped[0].reason  # in the release namespace


def test_helm_test_hooks_are_checked_when_included(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    result = render_repo(root, include_helm_tests=True)
    assert "Pod" in _documents(result)
    assert not [s for s in result.skipped if "hook" in s.reason]


def _skipped_hooks(root: Path, *extra: str) -> list[str]:
    result = CliRunner().invoke(main, ["check", str(root), "--root", str(root), "--no-policy",
                                       "--no-progress", "-o", "json", *extra],
                                catch_exceptions=False)
    report = json.loads(result.stdout)
    return [s["reason"] for s in report["skipped"] if "Helm test hook" in s["reason"]]


def test_include_helm_tests_flag_and_setting(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    assert len(_skipped_hooks(root)) == 1
    assert _skipped_hooks(root, "--include-helm-tests") == []
    write(root, ".gitops-validator.yaml", "version: 1\nsettings:\n  include_helm_tests: true\n")
    assert _skipped_hooks(root) == []


def test_a_hook_that_is_also_applied_is_checked(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    write(root, f"{CHART}/templates/tests/test-connection.yaml",
          TEMPLATES["templates/tests/test-connection.yaml"].replace(
              '"helm.sh/hook": test', '"helm.sh/hook": test,post-install'))
    assert "Pod" in _documents(render_repo(root))


def test_times_from_now_become_a_fixed_time_of_the_same_format(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    write(root, f"{CHART}/templates/times.yaml", """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: times
  annotations:
    rollme: {{ now | quote }}
data:
  day: {{ now | date "2006-01-02" | quote }}
  stamp: {{ now | date "2006-01-02T15:04:05Z07:00" | quote }}
  html: {{ now | htmlDate | quote }}
  epoch: {{ now | unixEpoch | quote }}
  fixed: {{ "2019-05-04T10:00:00Z" | toDate "2006-01-02T15:04:05Z07:00" | date "2006-01-02" | quote }}
""")
    times = next(d.body for d in render_repo(root).documents if d.resource.name == "times")
    assert times["data"] == {"day": "2000-01-01", "stamp": "2000-01-01T00:00:00Z",
                             "html": "2000-01-01", "epoch": "946684800", "fixed": "2019-05-04"}
    rollme = times["metadata"]["annotations"]["rollme"]
    assert rollme.startswith("2000-01-01 00:00:00.000000000 "), rollme
    assert rollme.endswith(" m=+0.000000000"), rollme


def test_a_fifo_in_a_chart_does_not_block_the_scan_for_random_functions(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _random_chart(root)
    os.mkfifo(root / CHART / "templates" / "_pipe.tpl")  # reading it would wait for a writer
    plan = discover_targets(root, [root], load_repo_config(root))
    result = render_targets(plan, RenderSettings(jobs=1, timeout=5), root=root)
    [finding] = result.findings  # the render screen refuses it before helm reads it
    assert finding.location.path == f"{CHART}/templates/_pipe.tpl"
    assert finding.rule_id == "render/input-not-a-file"
