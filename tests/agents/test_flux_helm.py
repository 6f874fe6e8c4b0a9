"""Flux ``HelmRelease`` objects read into chart targets (planning), and reported remote charts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from tests.agents.flux_repo import CONFIG, flux_repo, named, plan, write
from tests.support.helm_repo import helm_repository, write_chart
from validator.cli import main
from validator.model import Severity
from validator.render import RenderSettings, render_target
from validator.render.options import InlineValues, ValueSource
from validator.render.targets import TargetKind

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: "nginx:{{ .Values.image.tag }}"
"""
RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  interval: 10m
  targetNamespace: prod
  chart:
    spec:
      chart: ./charts/web
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
      valuesFiles:
        - ./charts/web/values.yaml
        - ./values/prod.yaml
  install:
    crds: Skip
  valuesFrom:
    - kind: ConfigMap
      name: web-values
    - kind: ConfigMap
      name: web-values
      valuesKey: tag
      targetPath: image.tag
  values:
    replicas: 2
"""
WEB_VALUES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-values
  namespace: apps
data:
  values.yaml: |
    image:
      tag: "1.27"
  tag: "1.28"
"""


def _repo(root: Path, release: str = RELEASE) -> Path:
    flux_repo(root)
    write(root, "charts/web/Chart.yaml", CHART)
    write(root, "charts/web/values.yaml", "replicas: 1\nimage:\n  tag: '1.26'\n")
    write(root, "charts/web/templates/deploy.yaml", TEMPLATE)
    write(root, "values/prod.yaml", "replicas: 3\n")
    write(root, "clusters/prod/web.yaml", release)
    write(root, "clusters/prod/web-values.yaml", WEB_VALUES)
    return root


def test_helm_release_from_this_repository_is_a_chart_target(tmp_path: Path) -> None:
    result = plan(_repo(tmp_path))
    target = named(result, "HelmRelease apps/web")
    assert target.kind is TargetKind.HELM
    assert (target.path, target.release_name, target.namespace) == ("charts/web", "prod-web", "prod")
    assert target.values_files == ("charts/web/values.yaml", "values/prod.yaml")
    assert target.reason == "HelmRelease apps/web (clusters/prod/web.yaml:1)"
    assert {"clusters/prod/web.yaml", "charts/web/Chart.yaml", "charts/web/templates/deploy.yaml",
            "values/prod.yaml", "clusters/prod/web-values.yaml"} <= set(target.inputs)
    assert target.helm is not None
    assert not target.helm.include_crds
    configmap = "clusters/prod/web-values.yaml"
    assert target.helm.inline_values == (
        InlineValues(values={"image": {"tag": "1.27"}},
                     source=ValueSource(path=configmap, index=0, field=("data", "values.yaml"))),
        InlineValues(values={"image.tag": "1.28"}, target_path="image.tag",
                     source=ValueSource(path=configmap, index=0, field=("data", "tag"))),
        InlineValues(values={"replicas": 2},
                     source=ValueSource(path="clusters/prod/web.yaml", index=0,
                                        field=("spec", "values"))))
    # the chart is not rendered again with its default values
    assert [t.name for t in result.targets if t.path == "charts/web"] == ["HelmRelease apps/web"]


def test_release_name_defaults_as_flux_and_is_shortened_past_53(tmp_path: Path) -> None:
    release = RELEASE.replace("  targetNamespace: prod\n", "")
    assert named(plan(_repo(tmp_path, release)), "HelmRelease apps/web").release_name == "web"
    long_ns = "a-very-long-target-namespace-for-the-web-release-x"  # 54 with -web
    release = RELEASE.replace("targetNamespace: prod", f"targetNamespace: {long_ns}")
    full = f"{long_ns}-web"
    expected = full[:40] + "-" + hashlib.sha256(full.encode()).hexdigest()[:12]
    target = named(plan(_repo(tmp_path, release)), "HelmRelease apps/web")
    assert (target.release_name, len(target.release_name)) == (expected, 53)
    release = RELEASE.replace("  targetNamespace: prod\n", "  releaseName: mine\n")
    target = named(plan(_repo(tmp_path, release)), "HelmRelease apps/web")
    assert (target.release_name, target.namespace) == ("mine", "apps")


def test_missing_values_from_chart_and_values_files_are_findings(tmp_path: Path) -> None:
    release = RELEASE.replace("name: web-values\n      valuesKey: tag", "name: web-values\n"
                              "      valuesKey: nothing").replace("- ./values/prod.yaml",
                                                                   "- ./values/gone.yaml")
    root = _repo(tmp_path, release)
    result = plan(root)
    rules = sorted((f.rule_id, f.location.line) for f in result.findings)
    assert ("agent/values-file-missing", 18) in rules
    assert ("agent/values-from-key-missing", 26) in rules
    (root / "clusters/prod/web-values.yaml").unlink()
    rules = sorted((f.rule_id, f.location.line) for f in plan(root).findings)
    assert ("agent/values-from-missing", 22) in rules
    write(root, "clusters/prod/web.yaml", RELEASE.replace("./charts/web", "./charts/none"))
    rules = sorted((f.rule_id, f.location.line) for f in plan(root).findings)
    assert ("agent/chart-missing", 11) in rules


def test_ignore_missing_values_files_passes_them_on(tmp_path: Path) -> None:
    release = RELEASE.replace("- ./values/prod.yaml", "- ./values/gone.yaml").replace(
        "      valuesFiles:", "      ignoreMissingValuesFiles: true\n      valuesFiles:")
    result = plan(_repo(tmp_path, release))
    target = named(result, "HelmRelease apps/web")
    assert target.values_files == ("charts/web/values.yaml",)
    assert target.helm is not None
    assert target.helm.missing_values_files == ("values/gone.yaml",)
    assert not [f for f in result.findings if f.rule_id.startswith("agent/")]


def test_chart_from_a_helm_repository_is_reported_not_rendered(tmp_path: Path) -> None:
    release = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: podinfo, namespace: flux-system}
spec: {url: https://stefanprodan.github.io/podinfo}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  chart:
    spec:
      chart: podinfo
      version: "6.5.4"
      sourceRef: {kind: HelmRepository, name: podinfo, namespace: flux-system}
---
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata: {name: redis, namespace: apps}
spec: {url: oci://registry-1.docker.io/bitnamicharts/redis, ref: {tag: 18.1.0}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: apps}
spec:
  chartRef: {kind: OCIRepository, name: redis}
"""
    root = _repo(tmp_path)
    write(root, "clusters/prod/remote.yaml", release)
    result = plan(root)
    assert not [t for t in result.targets if t.name in ("HelmRelease apps/podinfo",
                                                        "HelmRelease apps/redis")]
    warnings = {f.location.line: f for f in result.findings
                if f.rule_id == "agent/chart-repository-not-allowed"}
    assert set(warnings) == {12, 25}
    assert all(w.severity is Severity.WARNING for w in warnings.values())
    assert warnings[12].message.startswith("HelmRelease apps/podinfo: ")
    assert "'podinfo' version '6.5.4'" in warnings[12].message
    assert "https://stefanprodan.github.io/podinfo" in warnings[12].message
    assert "'redis' version '18.1.0' from oci://registry-1.docker.io/bitnamicharts" in \
        warnings[25].message
    skipped = {s.path: s for s in result.skipped}
    assert skipped["clusters/prod/remote.yaml:6"].group == "not rendered: remote chart"
    assert skipped["clusters/prod/remote.yaml:6"].unit == "HelmRelease chart"
    assert "clusters/prod/remote.yaml:21" in skipped


def test_chart_ref_to_a_helm_chart_of_this_repository(tmp_path: Path) -> None:
    release = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata: {name: web, namespace: apps}
spec:
  chart: ./charts/web
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  valuesFiles: [./values/prod.yaml]
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  chartRef: {kind: HelmChart, name: web}
"""
    target = named(plan(_repo(tmp_path, release)), "HelmRelease apps/web")
    assert (target.path, target.values_files) == ("charts/web", ("values/prod.yaml",))
    assert (target.release_name, target.namespace) == ("web", "apps")


def test_check_reports_a_values_from_violation_at_the_configmap_line(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    write(root, "clusters/prod/web-values.yaml", WEB_VALUES.replace('tag: "1.28"', "tag: latest"))
    result = CliRunner().invoke(main, [
        "check", str(root), "--root", str(root), "--policy", str(POLICIES), "--namespace", "k8s.*",
        "--no-progress", "--jobs", "2", "-o", "json"], catch_exceptions=False)
    findings = json.loads(result.stdout)["findings"]
    tags = [(f["path"], f["line"]) for f in findings if f["rule_id"] == "K8S-006"]
    assert tags == [("clusters/prod/web-values.yaml", 10)]


def test_sops_encrypted_secret_values_are_a_warning_not_values(tmp_path: Path) -> None:
    release = RELEASE.replace("    - kind: ConfigMap\n      name: web-values\n    - kind",
                              "    - kind: Secret\n      name: web-secret\n    - kind")
    root = _repo(tmp_path, release)
    write(root, "clusters/prod/web-secret.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata: {name: web-secret, namespace: apps}\n"
          "stringData:\n  values.yaml: ENC[AES256_GCM,data:abc]\nsops:\n  version: 3.8.1\n")
    result = plan(root)
    [warning] = [f for f in result.findings if f.rule_id == "agent/values-from-encrypted"]
    assert (warning.severity, warning.location.line) == (Severity.WARNING, 22)
    target = named(result, "HelmRelease apps/web")
    assert target.helm is not None
    assert [v.source.path for v in target.helm.inline_values] == [
        "clusters/prod/web-values.yaml", "clusters/prod/web.yaml"]


def test_huge_fields_are_cut_in_messages(tmp_path: Path) -> None:
    url = "https://example.com/" + "a" * 100_000
    root = _repo(tmp_path, RELEASE)
    write(root, "clusters/prod/remote.yaml", f"""\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: big, namespace: apps}}
spec: {{url: '{url}'}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: big, namespace: apps}}
spec:
  chart: {{spec: {{chart: '{"c" * 100_000}', sourceRef: {{kind: HelmRepository, name: big}}}}}}
""")
    result = plan(root)
    [warning] = [f for f in result.findings if f.rule_id.startswith("agent/chart-")]
    assert len(warning.message) < 600
    assert all(len(s.reason) < 600 for s in result.skipped)


def test_chart_from_an_allowlisted_helm_repository_is_fetched_and_rendered(tmp_path: Path) -> None:
    """Real helm, a Helm repository served on loopback: the chart is fetched into the chart
    cache once, and its objects are reported on the HelmRelease's line."""
    with helm_repository(tmp_path / "served") as served:
        served.add(write_chart(tmp_path / "src", "demo", "1.2.3"))
        root = _repo(tmp_path / "repo", f"""\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {{name: local, namespace: flux-system}}
spec: {{url: '{served.url}'}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: demo, namespace: apps}}
spec:
  chart:
    spec:
      chart: demo
      version: 1.2.3
      sourceRef: {{kind: HelmRepository, name: local, namespace: flux-system}}
  values: {{unused: true}}
""")
        write(root, ".gitops-validator.yaml", CONFIG + f"charts:\n  repositories:\n"
              f"    - url: {served.url}\n  cache_dir: {tmp_path / 'cache'}\n")
        result = plan(root)
        requests = list(served.requests)
    target = named(result, "HelmRelease apps/demo")
    assert target.helm is not None
    assert target.helm.chart_root.startswith(str(tmp_path / "cache"))
    assert (target.release_name, target.namespace, target.path) == ("demo", "apps",
                                                                    "clusters/prod/web.yaml")
    assert requests == ["/index.yaml", "/demo-1.2.3.tgz"]
    assert not [f for f in result.findings if f.rule_id.startswith("agent/chart")]
    rendered = render_target(target, root=root, settings=RenderSettings(jobs=1))
    [configmap] = [d for d in rendered.documents if d.kind == "ConfigMap"]
    assert configmap.resource.name == "demo-demo"
    assert (configmap.path, configmap.locate(()).line) == ("clusters/prod/web.yaml", 6)
