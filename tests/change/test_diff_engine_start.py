"""OPA starts while ``diff`` plans (for a change to a YAML, JSON, Rego or template file),
else only when asked; an engine started for nothing is stopped and its failure not reported:
what a change reports does not depend on when OPA started."""

from __future__ import annotations

import pytest

from tests.change.gitrepo import GitRepo
from validator.errors import PolicyError
from validator.options import CheckOptions
from validator.service import DiffReport, DiffRequest, run_diff

DEPLOY = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: apps}\ndata: {a: '1'}\n"


def _diff(repo: GitRepo, base: str) -> DiffReport:
    return run_diff(DiffRequest(folder=repo.root, base=base, options=CheckOptions()))


@pytest.fixture
def broken(repo: GitRepo) -> str:
    """A base whose trusted policies do not compile."""
    repo.write("apps/web/deploy.yaml", DEPLOY)
    repo.write("policies/broken.rego", "package main\n\ndeny contains msg if {\n")
    return repo.commit("a policy that does not compile")


@pytest.mark.parametrize("path", ["README.md", ".github/workflow.yaml"])
def test_a_change_no_target_reads_never_reports_the_engine(repo: GitRepo, broken: str,
                                                           path: str) -> None:
    repo.write(path, "name: ci\n")  # a hidden YAML file starts OPA early, a README does not
    repo.commit("nothing to render")
    result = _diff(repo, broken)
    assert result.rendered == ()
    assert result.exit_code() == 0


def test_a_change_a_target_reads_reports_the_engine(repo: GitRepo, broken: str) -> None:
    repo.write("apps/web/deploy.yaml", DEPLOY.replace("'1'", "'2'"))
    repo.commit("the config map changes")
    with pytest.raises(PolicyError, match=r"broken\.rego"):
        _diff(repo, broken)
