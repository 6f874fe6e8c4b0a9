"""The allowlist comes from the trusted revision: a change cannot allow itself a repository."""

from __future__ import annotations

from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.charts.test_umbrella import _umbrella
from tests.support.helm_repo import helm_repository, write_chart
from validator.options import CheckOptions
from validator.service import DiffRequest, run_diff


def test_a_change_that_allowlists_a_repository_is_judged_by_the_base_allowlist(
        tmp_path: Path) -> None:
    with helm_repository(tmp_path / "served") as served:
        served.add(write_chart(tmp_path / "src", "demo", "1.2.3"))
        repo = GitRepo.init(tmp_path / "repo")
        repo.write(".gitops-validator.yaml", f"charts:\n  cache_dir: {tmp_path / 'cache'}\n")
        repo.write("README.md", "x\n")
        base = repo.commit("base")
        _umbrella(repo.root, served.url)
        repo.write(".gitops-validator.yaml", f"charts:\n  repositories:\n    - url: {served.url}\n"
                   f"  cache_dir: {tmp_path / 'cache'}\n")
        head = repo.commit("the chart, and an allowlist that would let it fetch")
        result = run_diff(DiffRequest(folder=repo.root, base=base, head=head,
                                      options=CheckOptions(no_policy=True, no_schema=True)))
    missing = [f for f in result.report.findings if f.rule_id == "render/helm-dependency-missing"]
    assert [(f.location.path, f.location.line) for f in missing] == [("charts/shop/Chart.yaml", 5)]
    assert "charts.repositories" in missing[0].message
    assert served.requests == []
