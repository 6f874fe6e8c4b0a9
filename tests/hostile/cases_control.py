"""Hostile agent objects: remote sources the validator must list as not rendered, never fetch."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.gallery import hostile

REMOTE_AGENTS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: remote, namespace: argocd}
spec:
  source: {repoURL: 'http://127.0.0.1:9/leak.git', path: '../../../../etc', targetRevision: HEAD}
  destination: {server: 'https://127.0.0.1:9', namespace: x}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: remote, namespace: flux-system}
spec:
  chart:
    spec: {chart: 'oci://127.0.0.1:9/charts/leak', sourceRef: {kind: HelmRepository, name: x}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: remote, namespace: flux-system}
spec: {path: '/etc', sourceRef: {kind: GitRepository, name: x}}
"""


@hostile("agent-objects-with-remote-sources", extra_args=("--ignore-missing-schemas",))
def remote_agent_sources(folder: Path) -> None:
    (folder / "agents.yaml").write_text(REMOTE_AGENTS)


@hostile("agent-object-with-huge-and-odd-source-fields", extra_args=("--ignore-missing-schemas",))
def odd_agent_sources(folder: Path) -> None:
    long_url = "https://example.com/" + "a" * 200_000
    (folder / "odd.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: odd}\n"
        f"spec:\n  sources:\n    - {{repoURL: '{long_url}', path: \"\\e[31mred\"}}\n"
        "    - [not, a, mapping]\n    - {repoURL: {nested: map}, chart: 7}\n---\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: odd}\n"
        "spec: {chart: [1, 2], chartRef: 'x'}\n")


@hostile("helm-chart-with-odd-metadata")
def odd_helm_metadata(folder: Path) -> None:
    """Rendered objects whose metadata is missing, a list, a string or names a namespace
    of the wrong type: the release namespace is given only where it can be, nothing crashes."""
    chart = folder / "odd-chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: odd\nversion: 0.1.0\n")
    (chart / "templates" / "odd.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: [a, b]\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: just-a-string\n---\n"
        "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n, namespace: [x]}\n---\n"
        "apiVersion: v1\nkind: [ConfigMap]\nmetadata: {name: k}\n---\n"
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: x}\nspec: {scope: Cluster, group: [g], names: 7}\n")
