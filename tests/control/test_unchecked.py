"""Everything not rendered or not validated is counted on the summary line, by reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_cli import invoke
from tests.hostile.cases_control import REMOTE_AGENTS, odd_agent_sources
from tests.support.listener import loopback_listener

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {key: value}
"""
WIDGETS = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: one, namespace: shop}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: two, namespace: shop}
"""
AGENTS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  project: default
  source: {repoURL: 'https://example.com/shop.git', path: deploy, targetRevision: main}
  destination: {server: 'https://kubernetes.default.svc', namespace: shop}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: redis, namespace: flux-system}
spec:
  interval: 10m
  chart:
    spec: {chart: redis, sourceRef: {kind: HelmRepository, name: bitnami}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: postgres, namespace: flux-system}
spec:
  interval: 10m
  chart:
    spec: {chart: postgresql, sourceRef: {kind: HelmRepository, name: bitnami}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "settings.yaml").write_text(CONFIGMAP)
    return tmp_path


def _summary(out: str) -> str:
    return out.rstrip("\n").splitlines()[-1]


def test_resources_without_a_schema_are_counted_in_text_and_json(repo: Path) -> None:
    (repo / "apps" / "widgets.yaml").write_text(WIDGETS)
    code, out, _ = invoke("check", str(repo), "--no-policy", "--ignore-missing-schemas")
    assert code == 0, out
    assert _summary(out) == ("3 resources in 2 files: no problems; "
                             "3 resources not policy-checked: --no-policy, "
                             "2 resources not schema-checked: no schema")
    code, out, _ = invoke("check", str(repo), "--no-policy", "--ignore-missing-schemas", "-o", "json")
    document = json.loads(out)
    assert document["summary"]["not_checked"] == [
        {"count": 3, "reason": "not policy-checked: --no-policy", "what": "resource"},
        {"count": 2, "reason": "not schema-checked: no schema", "what": "resource"}]
    assert [(s["path"], s["what"], s["group"]) for s in document["skipped"][1:]] == [
        ("apps/widgets.yaml:1", "resource", "not schema-checked: no schema"),
        ("apps/widgets.yaml:5", "resource", "not schema-checked: no schema")]


def test_agent_objects_whose_source_is_not_rendered_are_reported(repo: Path) -> None:
    """Each agent source the run cannot render is named and counted, with why: a chart from a
    Helm repository not allowlisted (plus a warning on the chart line), another repository,
    a Flux source not in the repository."""
    (repo / "apps" / "agents.yaml").write_text(AGENTS)
    code, out, _ = invoke("check", ".", "--no-policy", "--ignore-missing-schemas", cwd=repo)
    assert code == 0, out
    summary = _summary(out)
    assert "2 warnings" in summary
    assert "2 HelmRelease charts not rendered: remote chart" in summary
    assert "1 Argo CD Application source not rendered: another repository" in summary
    assert "1 Flux Kustomization path not rendered: source not found" in summary
    assert "not schema-checked" not in summary  # the agent objects have bundled CRD schemas
    assert ("apps/agents.yaml:15: warning agent/chart-repository-not-allowed HelmRelease "
            "flux-system/redis: chart redis * from HelmRepository flux-system/bitnami") in out
    assert ("skipped: apps/agents.yaml:9: HelmRelease flux-system/redis: chart redis * from "
            "HelmRepository flux-system/bitnami (not in the repository) is not rendered: not "
            "fetched (chart repository not allowed)") in out
    assert ("skipped: apps/agents.yaml:6: Application argocd/shop: source "
            "https://example.com/shop.git deploy is not rendered: it is another repository") in out
    assert "not rendered yet" not in out


@pytest.mark.parametrize(("mode", "argo_why", "flux_why"), [
    ("off", "agents: off in the configuration file", "agents: off in the configuration file"),
    ("argocd", "", "Flux objects are not read with agents: argocd"),
    ("flux", "Argo CD objects are not read with agents: flux", ""),
])
def test_agent_objects_no_reader_reads_are_listed_with_why(repo: Path, mode: str, argo_why: str,
                                                           flux_why: str) -> None:
    """With ``agents: off`` (or the other agent's objects under ``agents: argocd|flux``) no
    reader reads the object: its sources are still listed, never silently passed over, and
    the reason says it is the setting that leaves them out."""
    (repo / "apps" / "agents.yaml").write_text(AGENTS)
    (repo / ".gitops-validator.yaml").write_text(f"agents: {mode}\n")
    code, out, _ = invoke("check", ".", "--no-policy", "--ignore-missing-schemas", "-o", "json",
                          cwd=repo)
    assert code == 0, out
    report = json.loads(out)
    reasons = {s["path"]: s["reason"] for s in report["skipped"] if s["group"] == "not rendered"}
    if argo_why:
        assert reasons["apps/agents.yaml:1"] == (
            "Application argocd/shop: source https://example.com/shop.git deploy is not rendered "
            f"({argo_why})")
    if flux_why:
        assert reasons["apps/agents.yaml:9"] == (
            f"HelmRelease flux-system/redis: chart redis is not rendered ({flux_why})")
        assert reasons["apps/agents.yaml:25"] == (
            f"Kustomization flux-system/apps: path ./apps is not rendered ({flux_why})")
    counts = {(item["what"], item["reason"]): item["count"] for item in report["summary"]["not_checked"]}
    assert counts.get(("HelmRelease chart", "not rendered")) == (2 if flux_why else None)
    assert counts.get(("Argo CD Application source", "not rendered")) == (1 if argo_why else None)
    assert not [f for f in report["findings"] if f["rule_id"].startswith("agent/")] or mode == "flux"
    assert "not rendered yet" not in out


def test_disabled_checks_count_every_resource(repo: Path) -> None:
    (repo / "apps" / "more.yaml").write_text(CONFIGMAP.replace("settings", "more"))
    code, out, _ = invoke("check", str(repo), "--no-schema", "--no-policy")
    assert code == 0, out
    assert _summary(out) == ("2 resources in 2 files: no problems; "
                             "2 resources not policy-checked: --no-policy, "
                             "2 resources not schema-checked: --no-schema")


def test_a_clean_run_has_an_unchanged_summary(repo: Path) -> None:
    code, out, _ = invoke("check", str(repo), "--no-policy")
    assert code == 0, out
    assert _summary(out).startswith("1 resource in 1 file: no problems")


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_remote_agent_sources_are_listed_and_never_fetched(repo: Path, mode: str) -> None:
    """Read by the agents (auto) or not (off), remote sources are listed and counted, and
    nothing is fetched: the loopback listener their URLs name sees no connection."""
    (repo / ".gitops-validator.yaml").write_text(f"agents: {mode}\n")
    with loopback_listener() as listener:
        (repo / "apps" / "agents.yaml").write_text(
            REMOTE_AGENTS.replace("127.0.0.1:9", listener.host))
        code, out, _ = invoke("check", ".", "--no-policy", "--no-schema", "-o", "json",
                              cwd=repo)
    assert listener.connections == []
    assert code == 0, out
    report = json.loads(out)
    counts = {(item["what"], item["reason"]): item["count"] for item in report["summary"]["not_checked"]}
    if mode == "auto":
        assert counts == {
            ("Argo CD Application source", "not rendered: another repository"): 1,
            ("HelmRelease chart", "not rendered: remote chart"): 1,
            ("Flux Kustomization path", "not rendered: source not found"): 1,
            ("resource", "not policy-checked: --no-policy"): 4,
            ("resource", "not schema-checked: --no-schema"): 4}
        assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [
            ("agent/chart-repository-not-allowed", 13)]
        assert listener.host in report["findings"][0]["message"]
    else:
        assert counts[("Argo CD Application source", "not rendered")] == 1
        assert counts[("HelmRelease chart", "not rendered")] == 1
        assert counts[("Flux Kustomization path", "not rendered")] == 1
        assert report["findings"] == []


def test_odd_source_fields_are_cut_and_never_crash(tmp_path: Path) -> None:
    odd_agent_sources(tmp_path)
    code, out, err = invoke("check", str(tmp_path), "--no-policy", "--no-schema",
                            "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    reasons = {item["path"]: (item["group"], item["reason"]) for item in report["skipped"]
               if item["group"].startswith("not rendered")}
    # the Application's source from another repository, and the HelmRelease's chartRef
    assert sorted(reasons) == ["odd.yaml:10", "odd.yaml:6"]
    assert all(len(reason) < 600 for _, reason in reasons.values())
    assert reasons["odd.yaml:6"][0] == "not rendered: another repository"
    assert "a" * 201 not in reasons["odd.yaml:6"][1]
    assert reasons["odd.yaml:10"][1].startswith("HelmRelease odd: chartRef")
    # the two sources that are no source at all are problems of the object, on their lines
    assert [(f["rule_id"], f["line"]) for f in report["findings"]
            if f["rule_id"].startswith("agent/")] == [("agent/no-repo-url", 7), ("agent/no-repo-url", 8)]
    (tmp_path / ".gitops-validator.yaml").write_text("agents: off\n")
    code, out, err = invoke("check", str(tmp_path), "--no-policy", "--no-schema",
                            "-o", "json")
    assert code == 0, err
    reasons = {item["path"]: item["reason"] for item in json.loads(out)["skipped"]
               if item["group"] == "not rendered"}
    assert len(reasons["odd.yaml:1"]) < 400
    assert "chart (none named)" in reasons["odd.yaml:10"]


def test_a_check_turned_off_in_a_run_without_resources_counts_nothing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "notes.txt").write_text("not a manifest\n")
    code, out, _ = invoke("check", str(tmp_path), "--no-policy")
    assert code == 0, out
    # the only finding is the warning that nothing was checked; --no-policy adds no count
    assert _summary(out) == "0 resources in 0 files: 1 warning"


def test_a_values_file_no_target_uses_is_counted_on_the_summary_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    chart = tmp_path / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "values-prod.yaml").write_text("replicas: many\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: web\n"
        "data:\n  replicas: {{ .Values.replicas | quote }}\n")
    code, out, err = invoke("check", str(tmp_path), "--no-policy", "-o", "text")
    assert code == 0, err
    assert "charts/web/values-prod.yaml: values file no Helm target uses" in out
    assert "1 file not checked: values file no Helm target uses" in out.splitlines()[-1]


def test_helm_test_hooks_and_empty_renders_add_up_on_the_summary_line(tmp_path: Path) -> None:
    """Each skipped test hook or empty kustomization is listed by name, but counted in one
    short group, not as one summary entry per object holding its whole reason."""
    (tmp_path / ".git").mkdir()
    chart = tmp_path / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    for name in ("one", "two"):
        (chart / "templates" / f"test-{name}.yaml").write_text(
            f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: test-{name}\n  annotations:\n"
            "    helm.sh/hook: test\nspec:\n  containers: [{name: t, image: 'busybox:1.36'}]\n")
        (tmp_path / f"empty-{name}").mkdir()
        (tmp_path / f"empty-{name}" / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "cm.yaml").write_text(CONFIGMAP)
    code, out, err = invoke("check", str(tmp_path), "--no-policy", "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    assert {(e["what"], e["reason"], e["count"]) for e in report["summary"]["not_checked"]} == {
        ("resource", "not checked: Helm test hook", 2),
        ("kustomization", "not checked: empty render", 2),
        ("resource", "not policy-checked: --no-policy", 1)}
    assert len([s for s in report["skipped"] if "Helm test hook" in s["reason"]]) == 2


FLUX_APPS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 10m, path: ./apps/prod/, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: 'https://example.com/shop.git', path: charts/web, helm: {valueFiles: [values-prod.yaml]}}
  destination: {server: 'https://kubernetes.default.svc', namespace: web}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: elsewhere, namespace: flux-system}
spec: {interval: 10m, path: ./not/here, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
"""


def test_an_agent_source_that_is_a_target_is_not_called_not_rendered(tmp_path: Path) -> None:
    """With ``agents: off``, a path the run builds as a target was rendered, only without the
    agent object's own options (targetNamespace, patches, values files...): it is listed as
    such, not as "not rendered"; a path the run does not build still is."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitops-validator.yaml").write_text("agents: off\n")
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "apps.yaml").write_text(FLUX_APPS)
    (tmp_path / "apps" / "prod").mkdir(parents=True)
    (tmp_path / "apps" / "prod" / "cm.yaml").write_text(CONFIGMAP)
    (tmp_path / "apps" / "prod" / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "charts" / "web" / "templates").mkdir(parents=True)
    (tmp_path / "charts" / "web" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (tmp_path / "charts" / "web" / "templates" / "cm.yaml").write_text(CONFIGMAP)
    code, out, err = invoke("check", ".", "--no-policy", "--ignore-missing-schemas", "-o", "json",
                            cwd=tmp_path)
    assert code == 0, err
    report = json.loads(out)
    counts = {(item["what"], item["reason"]): item["count"] for item in report["summary"]["not_checked"]}
    assert counts[("Flux Kustomization path", "checked without the agent object's options")] == 1
    # with agents: off whose repository the Application names is not read: its path is a chart
    assert counts[("Argo CD Application source", "checked without the agent object's options")] == 1
    assert counts[("Flux Kustomization path", "not rendered")] == 1
    reasons = {s["path"]: s["reason"] for s in report["skipped"] if "agents: off" in s["reason"]}
    assert reasons["clusters/apps.yaml:1"] == (
        "Kustomization flux-system/apps: path ./apps/prod/ is checked as target apps/prod, but "
        "without this object's own options (agents: off in the configuration file)")


def test_a_helmrelease_of_a_chart_in_the_repository_is_checked_without_its_values(tmp_path: Path) -> None:
    """With ``agents: off`` the chart a HelmRelease names is still checked on its own terms."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitops-validator.yaml").write_text("agents: off\n")
    (tmp_path / "release.yaml").write_text("""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: flux-system}
spec:
  interval: 10m
  chart:
    spec: {chart: ./charts/web, sourceRef: {kind: GitRepository, name: flux-system}}
""")
    (tmp_path / "charts" / "web" / "templates").mkdir(parents=True)
    (tmp_path / "charts" / "web" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (tmp_path / "charts" / "web" / "templates" / "cm.yaml").write_text(CONFIGMAP)
    code, out, err = invoke("check", ".", "--no-policy", "--ignore-missing-schemas", "-o", "json",
                            cwd=tmp_path)
    assert code == 0, err
    counts = {(item["what"], item["reason"]): item["count"]
              for item in json.loads(out)["summary"]["not_checked"]}
    assert counts[("HelmRelease chart", "checked without the agent object's options")] == 1
