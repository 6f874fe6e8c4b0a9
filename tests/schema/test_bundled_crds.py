"""The bundled CRD schemas (``schemas/crds/``): a first run has no "no schema" noise for the
custom resources every GitOps repository holds, and the repository's own schemas still win.

Each test runs the real CLI (both engines) on a repository written in a tmp folder. The
bundled files are the ones ``scripts/crd_schemas.py`` generated; ``SOURCES.md`` must
account for every one of them.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.schema.repo import check, rules_at, write
from validator.process import Command, run
from validator.schema.catalog import CONVERSION_REVISION
from validator.schema.standalone import DRAFT_2020_12

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "schemas" / "crds"
STRICT = ROOT / "schemas" / "crds-strict"
ENGINES = ["builtin", "kubeconform"]

#: One valid object of each kind the issue names, and the same object with one invalid field
#: (the line of that field in the second document is the expected finding's line). No file is
#: called ``kustomization.yaml``: that name is a Kustomize folder's, not a Flux object's.
KINDS: dict[str, tuple[str, str, int]] = {
    "application": ("""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://example.com/other/repo.git
    path: guestbook
    targetRevision: HEAD
  destination: {server: "https://kubernetes.default.svc", namespace: guestbook}
  syncPolicy:
    retry:
      limit: 5
""", "      limit: many\n", 13),
    "flux-kustomization": ("""\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  sourceRef: {kind: GitRepository, name: flux-system}
  prune: true
""", "  prune: yes-please\n", 8),
    "certificate": ("""\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: web}
spec:
  secretName: web-tls
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
  dnsNames:
    - web.example.com
""", "  dnsNames: web.example.com\n", 7),
    "servicemonitor": ("""\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: web}
spec:
  selector:
    matchLabels: {app: web}
  endpoints:
    - port: http
      interval: 30s
""", "  endpoints: {port: http}\n", 7),
    "externalsecret": ("""\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: web}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: db}
  data:
    - secretKey: password
      remoteRef: {key: db/password}
""", "  data: password\n", 8),
    "sealedsecret": ("""\
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: token, namespace: web}
spec:
  encryptedData:
    token: AgBy3i4OJSWK+PiTySYZZA==
""", "  encryptedData: [AgBy3i4OJSWK]\n", 5),
    "httproute": ("""\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: web}
spec:
  parentRefs:
    - name: gateway
  hostnames: [web.example.com]
  rules:
    - backendRefs:
        - name: web
          port: 80
""", "  hostnames: web.example.com\n", 7),
    "clusterpolicy": ("""\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-labels}
spec:
  background: true
  rules:
    - name: check-team
      match:
        any:
          - resources: {kinds: [Pod]}
      validate:
        message: "label team is required"
        pattern:
          metadata:
            labels: {team: "?*"}
""", "  background: sometimes\n", 5),
    "constrainttemplate": ("""\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8srequiredlabels}
spec:
  crd:
    spec:
      names: {kind: K8sRequiredLabels}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8srequiredlabels
        violation[{"msg": msg}] { false; msg := "" }
""", "  targets: admission.k8s.gatekeeper.sh\n", 8),
}


def broken(name: str) -> str:
    """The valid object of ``name`` with its invalid line put in place of the original."""
    text, line_text, line = KINDS[name]
    lines = text.splitlines(keepends=True)
    key = line_text.split(":")[0]
    start = next(i for i, current in enumerate(lines) if current.split(":")[0] == key)
    end = start + 1
    while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) > len(key) - len(key.lstrip()):
        end += 1  # the nested block of the replaced key goes too
    out = "".join([*lines[:start], line_text, *lines[end:]])
    assert out.splitlines()[line - 1] == line_text.rstrip("\n"), out
    return out


def report(root: Path, *args: str, engine: str) -> dict[str, Any]:
    """The JSON report of ``gitops-validator check`` (no policies) of ``root``."""
    env = {"XDG_CACHE_HOME": str(root.parent / "xdg-cache"), "PYTHONPATH": os.pathsep.join(sys.path)}
    if "GITOPS_VALIDATOR_TOOLS_DIR" in os.environ:
        env["GITOPS_VALIDATOR_TOOLS_DIR"] = os.environ["GITOPS_VALIDATOR_TOOLS_DIR"]
    done = run(Command(args=(sys.executable, "-m", "validator", "check", "--root", str(root), str(root),
                             "--no-policy", "--no-progress", "--schema-engine", engine, "-o", "json",
                             *args), cwd=root, env=env, ok_codes=frozenset({0, 1}), timeout=300))
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("engine", ENGINES)
def test_every_gitops_kind_is_checked_against_its_bundled_schema(engine: str, tmp_path: Path) -> None:
    """Valid objects pass with no skipped entry; each invalid field is a finding on its line."""
    root = tmp_path / "repo"
    for name, (text, _, _) in KINDS.items():
        write(root, f"good/{name}.yaml", text)
        write(root, f"bad/{name}.yaml", broken(name))
    result = report(root, "--ignore-missing-schemas", engine=engine)
    assert [s for s in result["skipped"] if s.get("group", "").startswith("not schema-checked")] == []
    assert result["summary"]["resources"] == 2 * len(KINDS)
    assert sorted((f["path"], f["line"]) for f in result["findings"]) == sorted(
        (f"bad/{name}.yaml", line) for name, (_, _, line) in KINDS.items()), result["findings"]
    assert all(f["severity"] == "error" and f["rule_id"].startswith("schema/")
               for f in result["findings"])
    code, findings, output = check(root, "--strict", engine=engine, paths=("good",))
    assert (code, findings) == (0, []), output  # the valid objects declare no unknown field


@pytest.mark.parametrize("engine", ENGINES)
def test_strict_runs_use_the_strict_variant(engine: str, tmp_path: Path) -> None:
    """An unknown field is an error under ``--strict`` only; a field the CRD leaves open
    (``x-kubernetes-preserve-unknown-fields``: a HelmRelease's ``values``) takes anything."""
    root = tmp_path / "repo"
    write(root, "apps/release.yaml", """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: web}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system}
  values:
    anything: {goes: [here]}
  intervall: 5m
""")
    code, findings, output = check(root, engine=engine)
    assert (code, findings) == (0, []), output
    code, findings, output = check(root, "--strict", engine=engine)
    assert rules_at(findings) == [("schema/additional-properties", "apps/release.yaml", 12)], output
    assert code == 1


CERTIFICATE = KINDS["certificate"][0].replace("  dnsNames:\n    - web.example.com\n",
                                              "  dnsNames: web.example.com\n")
#: A schema of the repository's own for Certificate: dnsNames a string, secretName an integer.
OWN_SCHEMA = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
    "dnsNames": {"type": "string"}, "secretName": {"type": "integer"}}}}}
OWN_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.cert-manager.io}
spec:
  group: cert-manager.io
  names: {kind: Certificate, plural: certificates}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
""" + "".join(f"          {line}\n" for line in json.dumps(OWN_SCHEMA).splitlines())


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("own", ["none", "schema-dir flag", "schemas folder", "crd in the repository"])
def test_the_repositorys_own_schemas_come_first(own: str, engine: str, tmp_path: Path) -> None:
    """Bundled: dnsNames (line 7) is wrong. Any schema of the repository's own: secretName (line 5)."""
    root = tmp_path / "repo"
    write(root, "apps/certificate.yaml", CERTIFICATE)
    args: tuple[str, ...] = ()
    if own == "schema-dir flag":
        folder = tmp_path / "own-schemas" / "cert-manager.io"
        folder.mkdir(parents=True)
        (folder / "certificate_v1.json").write_text(json.dumps(OWN_SCHEMA))
        args = ("--schema-dir", str(tmp_path / "own-schemas"))
    elif own == "schemas folder":
        write(root, "schemas/cert-manager.io/certificate_v1.json", json.dumps(OWN_SCHEMA))
    elif own == "crd in the repository":
        write(root, "infrastructure/crds/certificate.yaml", OWN_CRD)
    code, findings, output = check(root, *args, engine=engine)
    line = 7 if own == "none" else 5
    assert rules_at(findings) == [("schema/type", "apps/certificate.yaml", line)], output
    assert code == 1


def test_every_bundled_file_is_accounted_for_in_sources() -> None:
    """Each schema has its strict twin and a line in SOURCES.md; each project an Apache-2.0 licence;
    the files were converted by the catalog's current conversion."""
    names = sorted(p.relative_to(BUNDLED).as_posix() for p in BUNDLED.glob("*/*.json"))
    assert names, "no bundled schema: run `make crd-schemas`"
    assert names == sorted(p.relative_to(STRICT).as_posix() for p in STRICT.glob("*/*.json"))
    sources = (BUNDLED / "SOURCES.md").read_text()
    listed = re.findall(r"^- `([^`]+)` \(", sources, flags=re.MULTILINE)
    assert sorted(listed) == names
    rows = [row for row in sources.splitlines() if row.startswith("| ") and "`" in row]
    assert rows
    assert all("| Apache-2.0 |" in row for row in rows), rows
    assert f"conversion revision {CONVERSION_REVISION})" in sources
    for name in names:
        schema = json.loads((BUNDLED / name).read_text())
        assert schema["$schema"] == DRAFT_2020_12, name  # written by crd_json_schema
        assert {"apiVersion", "kind", "metadata"} <= set(schema["properties"]), name
        assert '"description":"' not in json.dumps(schema, separators=(",", ":")), name


def test_the_bundle_stays_small() -> None:
    """Descriptions are dropped so the wheel stays small (under 15 MB for both variants)."""
    size = sum(p.stat().st_size for folder in (BUNDLED, STRICT) for p in folder.rglob("*") if p.is_file())
    assert size < 15 * 1024 * 1024, size
