"""An Application whose source is a chart in a Helm repository (real helm, a Helm repository
served on loopback): rendered once its repository is on the ``charts:`` allowlist, and reported
as not rendered, with the fetch step's finding on the ``chart:`` line, while it is not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents.repo import application, git_repo, write
from tests.cli.test_check_cli import invoke
from tests.support.helm_repo import HelmRepo, helm_repository, write_chart


@pytest.fixture
def served(tmp_path: Path) -> Iterator[HelmRepo]:
    with helm_repository(tmp_path / "served") as repo:
        repo.add(write_chart(tmp_path / "src", "demo", "1.2.3"))
        yield repo


def _repo(tmp_path: Path, served: HelmRepo, *, allowed: bool) -> Path:
    root = git_repo(tmp_path / "repo")
    listed = f"  repositories:\n    - url: {served.url}\n" if allowed else "  repositories: []\n"
    write(root, ".gitops-validator.yaml",
          f"charts:\n  cache_dir: {tmp_path / 'chart-cache'}\n{listed}")
    write(root, "apps/demo.yaml", application("demo", f"""\
  project: default
  source:
    repoURL: {served.url}
    chart: demo
    targetRevision: 1.2.3
    helm:
      releaseName: shop
      valuesObject:
        unused: true
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
"""))
    return root


def _check(root: Path) -> dict[str, Any]:
    _code, out, _ = invoke("check", ".", "--no-policy", "--ignore-missing-schemas", "-o", "json",
                           cwd=root)
    return dict(json.loads(out))


def test_an_allowlisted_chart_of_an_application_is_fetched_and_rendered(
        tmp_path: Path, served: HelmRepo) -> None:
    report = _check(_repo(tmp_path, served, allowed=True))
    rules = [f["rule_id"] for f in report["findings"]]
    assert not [r for r in rules if r.startswith(("agent/", "render/"))], report["findings"]
    assert served.requests == ["/index.yaml", "/demo-1.2.3.tgz"]
    assert not [s for s in report.get("skipped", []) if "demo" in s.get("reason", "")
                and "not rendered" in s.get("group", "")]
    assert report["summary"]["resources"] == 2, report  # the Application and shop-demo's ConfigMap


def test_a_chart_from_a_repository_not_allowed_is_reported_on_the_chart_line(
        tmp_path: Path, served: HelmRepo) -> None:
    report = _check(_repo(tmp_path, served, allowed=False))
    found = [f for f in report["findings"] if f["rule_id"] == "agent/chart-repository-not-allowed"]
    assert [(f["path"], f["line"]) for f in found] == [("apps/demo.yaml", 10)], report["findings"]
    assert served.requests == []
    assert any("chart demo 1.2.3" in s["reason"] for s in report["skipped"]), report["skipped"]
