"""An Argo CD platform repository as teams write them, for end-to-end QA of the agent stage.

A root Application (app of apps, a recursive directory) over ``argocd/apps``: a Helm
Application with two values files and a ``valuesObject``, a Kustomize Application with
``namePrefix``/``images``/``commonLabels``, a multi-source Application whose values file
comes through ``$values``, and one of a chart from a Helm repository that is not allowed,
its values through ``$values``; policies that report the field they object to.
"""

from __future__ import annotations

from tests.change.gitrepo import GitRepo

#: The remote of the platform repository (the Applications spell it three ways).
REMOTE = "https://github.com/acme/platform.git"

#: Repository-relative path -> content.
FILES: dict[str, str] = {
    "bootstrap/root.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: git@github.com:acme/platform.git
    targetRevision: HEAD
    path: argocd/apps
    directory:
      recurse: true
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated: {prune: true, selfHeal: true}
""",
    "argocd/apps/guestbook.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/platform
    targetRevision: main
    path: charts/guestbook
    helm:
      releaseName: guestbook
      valueFiles:
        - values.yaml
        - values-prod.yaml
      valuesObject:
        replicaCount: 3
        service:
          type: ClusterIP
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
""",
    "argocd/apps/shop.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/platform.git
    targetRevision: main
    path: kustomize/shop/overlays/prod
    kustomize:
      namePrefix: prod-
      images:
        - shop=registry.acme.io/shop:2.3.1
      commonLabels:
        team: shop
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
""",
    "argocd/apps/redis.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: redis
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: https://charts.bitnami.com/bitnami
      chart: redis
      targetRevision: 19.6.4
      helm:
        valueFiles:
          - $values/values/redis/prod.yaml
    - repoURL: https://github.com/acme/platform.git
      targetRevision: main
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: redis
""",
    "argocd/apps/web-multi.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: https://github.com/acme/platform.git
      targetRevision: main
      path: charts/guestbook
      helm:
        releaseName: web
        valueFiles:
          - $values/values/web/prod.yaml
    - repoURL: https://github.com/acme/platform.git
      targetRevision: main
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: web
""",
    "values/redis/prod.yaml": """\
architecture: standalone
""",
    "values/web/prod.yaml": """\
replicaCount: 2
image:
  tag: "1.27"
""",
    "charts/guestbook/Chart.yaml": """\
apiVersion: v2
name: guestbook
version: 0.1.0
""",
    "charts/guestbook/values.yaml": """\
replicaCount: 1
image:
  repository: nginx
  tag: "1.25"
service:
  type: LoadBalancer
""",
    "charts/guestbook/values-prod.yaml": """\
image:
  tag: "1.26"
""",
    "charts/guestbook/templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
""",
    "charts/guestbook/templates/service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  type: {{ .Values.service.type }}
  selector: {app: {{ .Release.Name }}}
  ports:
    - port: 80
""",
    "kustomize/shop/base/kustomization.yaml": """\
resources:
  - deployment.yaml
""",
    "kustomize/shop/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: shop:latest
""",
    "kustomize/shop/overlays/prod/kustomization.yaml": """\
resources:
  - ../../base
patches:
  - path: replicas.yaml
""",
    "kustomize/shop/overlays/prod/replicas.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 3
""",
    "policies/images.rego": """\
package main

import rego.v1

deny contains {"msg": msg, "path": ["spec", "template", "spec", "containers", i, "image"]} if {
	input.kind == "Deployment"
	some i, c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses a latest tag", [c.name])
}

deny contains {"msg": "Services must not be LoadBalancers", "path": ["spec", "type"]} if {
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
}

deny contains {"msg": msg, "path": ["spec", "replicas"]} if {
	input.kind == "Deployment"
	input.spec.replicas > 5
	msg := sprintf("too many replicas: %d", [input.spec.replicas])
}
""",
}


def platform(repo: GitRepo) -> GitRepo:
    """The platform repository written into ``repo`` (``origin`` at :data:`REMOTE`), committed."""
    repo.git("remote", "add", "origin", REMOTE)
    for path, text in FILES.items():
        repo.write(path, text)
    repo.commit("platform")
    return repo
