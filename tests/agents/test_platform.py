"""End to end over an Argo CD platform repository (tests/agents/platform.py) with the real
CLI, real helm, kustomize and OPA: what a platform engineer adopting the tool sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agents.platform import platform
from tests.change.gitrepo import GitRepo
from tests.cli.test_check_cli import invoke


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return platform(GitRepo.init(tmp_path / "platform"))


def _run(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = invoke(*args, "-o", "json", cwd=repo.root)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_a_chart_not_fetched_is_reported_once_naming_the_application(repo: GitRepo) -> None:
    """The warning names the Application as every agent finding does, and the skipped
    entry says why in a few words, not the warning's whole text again."""
    _, report = _run(repo, "check", ".")
    warning = [f for f in report["findings"] if f["rule_id"] == "agent/chart-repository-not-allowed"]
    assert [(f["path"], f["line"]) for f in warning] == [("argocd/apps/redis.yaml", 10)]
    assert warning[0]["message"] == (
        "Application argocd/redis: chart 'redis' version '19.6.4' from "
        "https://charts.bitnami.com/bitnami is not rendered: the repository is not in "
        "charts.repositories of .gitops-validator.yaml")
    skipped = [s for s in report["skipped"] if s["group"] == "not rendered: remote chart"]
    assert [(s["path"], s["reason"]) for s in skipped] == [(
        "argocd/apps/redis.yaml:10",
        "Application argocd/redis: chart redis 19.6.4 from https://charts.bitnami.com/bitnami is "
        "not rendered: not fetched (chart repository not allowed)")]


def test_a_change_lands_on_the_line_that_made_it(repo: GitRepo) -> None:
    """A valuesObject in an Application, a values file reached through ``$values`` and a
    kustomize ``images`` override each cause a new violation on their own line; the
    LoadBalancer of the chart's default values stays an existing finding on its line."""
    for path, old, new in (("argocd/apps/guestbook.yaml", "replicaCount: 3", "replicaCount: 10"),
                           ("values/web/prod.yaml", "replicaCount: 2", "replicaCount: 9"),
                           ("argocd/apps/shop.yaml", "shop=registry.acme.io/shop:2.3.1", "shop:latest")):
        file = repo.root / path
        file.write_text(file.read_text().replace(old, new))
    repo.commit("scale and unpin")
    code, report = _run(repo, "diff", "--base", "HEAD~1")
    assert code == 1
    where = {(f["path"], f["line"], f["status"]) for f in report["findings"]
             if f["rule_id"] == "main.deny"}
    assert where == {("argocd/apps/guestbook.yaml", 18, "new"), ("values/web/prod.yaml", 1, "new"),
                     ("argocd/apps/shop.yaml", 15, "new"),
                     ("charts/guestbook/values.yaml", 6, "existing")}


APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: services
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/acme/platform.git
        revision: HEAD
        directories:
          - path: kustomize/shop/overlays/*
  template:
    metadata:
      name: '{{.path.basename}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/platform.git
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{.path.basename}}'
"""


def test_an_application_set_is_never_passed_over_in_silence(repo: GitRepo) -> None:
    """The ApplicationSet's git-directories generator over ``kustomize/shop/overlays/*``
    yields the Application ``prod``: a target, not a silent pass (nor a duplicate of the
    folder on its own terms); without an image override, its ``:latest`` image is found."""
    repo.write("appsets/services.yaml", APPSET)
    repo.commit("appset")
    code, out, err = invoke("targets", ".", "-o", "json", cwd=repo.root)
    assert code == 0, err
    generated = [(t["name"], t["path"]) for t in json.loads(out)["targets"]
                 if (t.get("agent") or {}).get("generated_by") == "ApplicationSet argocd/services"]
    assert generated == [("Application argocd/prod", "kustomize/shop/overlays/prod")]
    _, report = _run(repo, "check", ".")
    assert not [s for s in report["skipped"] if s["path"].startswith("appsets/")]
    latest = [f for f in report["findings"] if f["rule_id"] == "main.deny" and "latest" in f["message"]]
    assert [(f["path"], f["line"], f["resource"]["namespace"]) for f in latest] == [
        ("kustomize/shop/base/deployment.yaml", 15, "prod")]
