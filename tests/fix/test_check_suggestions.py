"""End to end: ``gitops-validator check`` with the bundled library, its fixes as suggestions.

The real CLI runs as a subprocess (real OPA); each finding's declared fix is turned into
a replacement for the line the finding points at. Applying every suggestion and checking
again must remove exactly the findings that got one: a suggestion that does not fix its
finding, or that breaks the file, fails here.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.fix import suggested_line, suggestion_block
from validator.model import Engine, Finding, Fix, Location, Severity
from validator.policy.results import parse_field_path
from validator.process import Command, run

ROOT = Path(__file__).resolve().parents[2]

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      hostPID: yes   # debugging, remove before merge
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            privileged: true
            allowPrivilegeEscalation: "true"
        - name: sidecar
          image: busybox:1.36
          securityContext: {privileged: true}
        - name: quiet
          image: busybox:1.36
"""


@dataclass(frozen=True)
class Checked:
    findings: list[dict[str, Any]]

    def of(self, *rule_ids: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["rule_id"] in rule_ids]


def check(repo: Path) -> Checked:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = run(Command(
        args=(sys.executable, "-m", "validator", "check", "--policy", "builtin", "--no-schema",
              "--namespace", "k8s.privileged_container", "--namespace",
              "k8s.privilege_escalation", "--namespace", "k8s.host_namespaces",
              "-o", "json", "--no-progress", "deploy.yaml"),
        cwd=repo, env=env, ok_codes=frozenset({0, 1}), timeout=120))
    document = json.loads(result.stdout)
    return Checked(findings=document["findings"])


def as_finding(entry: dict[str, Any]) -> Finding:
    """The finding a JSON entry describes, as the publisher would hold it."""
    fix = entry.get("fix")
    return Finding(
        rule_id=entry["rule_id"], severity=Severity.parse(entry["severity"]),
        message=entry["message"], engine=Engine(entry["engine"]),
        location=Location(path=entry["path"], line=entry["line"], column=entry["column"],
                          field_path=parse_field_path(entry["field_path"]) or ()),
        fix=None if fix is None else Fix(value=fix["value"], description=fix["description"],
                                         fields=tuple(fix["fields"])))


def test_the_bundled_fixes_become_suggestions_that_fix_their_findings(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = tmp_path / "deploy.yaml"
    source.write_text(MANIFEST)
    lines = MANIFEST.splitlines(keepends=True)
    before = check(tmp_path)

    suggestions: dict[int, str] = {}
    for entry in before.findings:
        finding = as_finding(entry)
        assert finding.fix is not None, entry  # all three rules declare one
        assert finding.fix.value is False
        replacement = suggested_line(finding, lines[finding.location.line - 1])
        block = suggestion_block(finding, lines)
        if replacement is None:
            assert block is None
        else:
            assert block == f"```suggestion\n{replacement.rstrip()}\n```"
            suggestions[finding.location.line] = replacement

    privileged = [f for f in before.of("K8S-001")
                  if f["field_path"].endswith("[0].securityContext.privileged")]
    assert [f["line"] for f in privileged] == [17]
    assert lines[16] == "            privileged: true\n"
    assert suggestions == {
        11: "      hostNetwork: false\n",
        12: "      hostPID: false   # debugging, remove before merge\n",
        17: "            privileged: false\n",
        18: '            allowPrivilegeEscalation: false\n',
    }

    for number, replacement in suggestions.items():
        lines[number - 1] = replacement
    source.write_text("".join(lines))
    after = check(tmp_path)
    remaining = {(f["rule_id"], f["field_path"]) for f in after.findings}
    assert remaining == {
        # a flow mapping and a field that is not written: no line to replace, no suggestion
        ("K8S-001", "spec.template.spec.containers[1].securityContext.privileged"),
        # (K8S-002 points at the nearest written ancestor of the missing field)
        ("K8S-002", "spec.template.spec.containers[1].securityContext"),
        ("K8S-002", "spec.template.spec.containers[2]"),
    }
    assert len(after.findings) == len(before.findings) - len(suggestions)


CHART_TEMPLATE = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostNetwork: true
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: {{ .Values.priv }}
        allowPrivilegeEscalation: false
"""
BASE_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: false
"""
PATCH = """\
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      securityContext:
        privileged: true
"""


def test_rendered_findings_get_suggestions_only_on_literal_source_lines(tmp_path: Path) -> None:
    files = {
        ".git/HEAD": "", "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": "priv: true\n", "chart/templates/pod.yaml": CHART_TEMPLATE,
        "base/pod.yaml": BASE_POD, "base/kustomization.yaml": "resources: [pod.yaml]\n",
        "overlay/kustomization.yaml": "resources: [../base]\npatches:\n  - path: patch.yaml\n",
        "overlay/patch.yaml": PATCH,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = run(Command(
        args=(sys.executable, "-m", "validator", "check", "--policy", "builtin", "--no-schema",
              "--namespace", "k8s.privileged_container", "--namespace", "k8s.host_namespaces",
              "-o", "json", "--no-progress", "."),
        cwd=tmp_path, env=env, ok_codes=frozenset({0, 1}), timeout=120))
    got = {}
    for entry in json.loads(result.stdout)["findings"]:
        finding = as_finding(entry)
        lines = (tmp_path / finding.location.path).read_text().splitlines(keepends=True)
        got[(entry["rule_id"], entry["path"], entry["line"])] = suggestion_block(finding, lines)
    assert got == {
        ("K8S-009", "chart/templates/pod.yaml", 6): "```suggestion\n  hostNetwork: false\n```",
        # the value comes from values.yaml under another name: not the field's line
        ("K8S-001", "chart/values.yaml", 1): None,
        # a Kustomize patch sets it: the patch's line is the one to change
        ("K8S-001", "overlay/patch.yaml", 9): "```suggestion\n        privileged: false\n```",
    }
