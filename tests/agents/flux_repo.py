"""A Flux repository written the way ``flux bootstrap`` lays one out, for the Flux tests.

``clusters/prod/flux-system/gotk-sync.yaml`` holds the GitRepository that names this
repository (its URL is listed in ``.gitops-validator.yaml``) and the root Kustomization;
``clusters/prod/apps.yaml`` the Kustomization of ``apps/`` with post-build substitution.
"""

from __future__ import annotations

from pathlib import Path

from validator.render import discover_targets
from validator.render.targets import Target, TargetPlan
from validator.repo_config import load_repo_config

URL = "https://github.com/example/fleet"
CONFIG = f"version: 1\nrepository_urls: ['{URL}.git']\n"
GOTK_SYNC = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/example/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/prod
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
APPS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  dependsOn:
    - name: infra
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: web
  namePrefix: prod-
  commonMetadata:
    labels:
      team: web
  postBuild:
    substitute:
      cluster_env: prod
      replicas: "3"
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
      - kind: Secret
        name: cluster-secrets
        optional: true
"""
CLUSTER_VARS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-vars
  namespace: flux-system
data:
  cluster_env: from-configmap
  image_tag: "1.27"
  registry: docker.io
"""
DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, env: "${cluster_env}"}
    spec:
      containers:
        - name: web
          image: ${registry}/nginx:${image_tag}
"""


def write(root: Path, path: str, text: str) -> None:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)


def flux_repo(root: Path) -> Path:
    """The sample Flux repository under ``root``."""
    write(root, ".gitops-validator.yaml", CONFIG)
    write(root, "clusters/prod/flux-system/gotk-sync.yaml", GOTK_SYNC)
    write(root, "clusters/prod/flux-system/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
          "resources:\n- gotk-sync.yaml\n")
    write(root, "clusters/prod/apps.yaml", APPS)
    write(root, "clusters/prod/vars.yaml", CLUSTER_VARS)
    write(root, "apps/kustomization.yaml", "resources:\n- deploy.yaml\n")
    write(root, "apps/deploy.yaml", DEPLOY)
    return root


def plan(root: Path) -> TargetPlan:
    return discover_targets(root, [root], load_repo_config(root))


def named(result: TargetPlan, name: str) -> Target:
    found = [t for t in result.targets if t.name == name]
    assert len(found) == 1, [t.name for t in result.targets]
    return found[0]
