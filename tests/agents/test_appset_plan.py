"""ApplicationSets through target discovery: the configuration's clusters and repository URLs
reach the generators, and what they report reaches the plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.render.discover import discover_targets
from validator.repo_config import load_repo_config

CONFIG = """\
repository_urls: [https://git.example.com/platform/gitops.git]
clusters:
  - name: prod
    server: https://prod.example
    labels: {env: prod}
  - name: PROD
    server: https://prod2.example
    labels: {env: prod}
  - name: dev
    server: https://dev.example
    labels: {env: dev}
"""

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: web
  namespace: argocd
spec:
  generators:
    - clusters:
        selector:
          matchLabels: {env: prod}
    - pullRequest:
        github: {owner: platform, repo: gitops}
    - git:
        repoURL: https://git.example.com/other/repo.git
        directories: [{path: apps/*}]
  template:
    metadata:
      name: 'web-{{nameNormalized}}'
    spec:
      project: default
      source:
        repoURL: git@git.example.com:platform/gitops.git
        path: apps/web
      destination:
        server: '{{server}}'
"""


def test_application_set_read_during_discovery(tmp_path: Path) -> None:
    (tmp_path / ".gitops-validator.yaml").write_text(CONFIG)
    (tmp_path / "argocd").mkdir()
    (tmp_path / "argocd/web.yaml").write_text(APPSET)
    plan = discover_targets(tmp_path, [], load_repo_config(tmp_path))
    assert ("argocd/web.yaml", 1) in plan.agent_documents  # (file, first line)
    # both prod clusters normalise to one name: Argo CD refuses the duplicate
    (duplicate,) = [f for f in plan.findings if f.rule_id == "agent/appset-name"]
    assert duplicate.location.path == "argocd/web.yaml"
    assert duplicate.location.line == _line("name: 'web-")
    assert "'web-prod'" in duplicate.message
    groups = sorted(s.group for s in plan.skipped)
    assert groups == ["not rendered: another repository",
                      "not rendered: generator pullRequest needs a live service"]
    assert {s.path for s in plan.skipped} == {f"argocd/web.yaml:{_line('- pullRequest:')}",
                                              f"argocd/web.yaml:{_line('repoURL: https://git')}"}


def _line(text: str) -> int:
    return next(i for i, line in enumerate(APPSET.splitlines(), 1) if text in line)


FILES_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: envs
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: https://git.example.com/platform/gitops.git
        files:
          - path: envs/*.yaml
  template:
    metadata:
      name: 'web-{{name}}'
    spec:
      source:
        repoURL: https://git.example.com/platform/gitops.git
        path: apps/web
      destination:
        server: https://kubernetes.default.svc
"""


def test_files_generators_read_are_plan_inputs(tmp_path: Path) -> None:
    """A change to them changes the plan itself: ``diff`` must then plan the base on its own."""
    (tmp_path / ".gitops-validator.yaml").write_text(CONFIG)
    for name, text in {"argocd/envs.yaml": FILES_APPSET, "envs/dev.yaml": "name: dev\n",
                       "envs/prod.yaml": "name: prod\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "apps/web").mkdir(parents=True)
    (tmp_path / "apps/web/kustomization.yaml").write_text("resources: []\n")
    plan = discover_targets(tmp_path, [], load_repo_config(tmp_path))
    generated = [t for t in plan.targets if t.agent is not None]
    if not generated:
        pytest.skip("needs the Application reader (AR) for the generated Applications' targets")
    assert [set(t.plan_inputs) for t in generated] == [{"envs/dev.yaml", "envs/prod.yaml"}] * 2
