"""A ConfigMap that Flux planning reads (``substituteFrom``, ``valuesFrom``) is a planning input.

Its values are copied into the plan (``Target.substitution``, ``HelmOptions``), so a change
to it changes the plan even though the file names no agent's API group: the head's plan
must not stand for the base's. Both plans are computed for real to show they differ.
"""

from __future__ import annotations

from tests.agents.flux_repo import APPS, CLUSTER_VARS, CONFIG, DEPLOY, GOTK_SYNC
from tests.change.gitrepo import GitRepo
from tests.change.test_plan_reuse import _affected_names, _plans
from validator.change.plan_reuse import same_plan_listings


def _flux(repo: GitRepo) -> str:
    repo.write(".gitops-validator.yaml", CONFIG)
    repo.write("clusters/prod/flux-system/gotk-sync.yaml", GOTK_SYNC)
    repo.write("clusters/prod/apps.yaml", APPS)
    repo.write("clusters/prod/vars.yaml", CLUSTER_VARS)
    repo.write("apps/kustomization.yaml", "resources:\n- deploy.yaml\n")
    repo.write("apps/deploy.yaml", DEPLOY)
    return repo.commit("flux")


def test_a_substitute_from_configmap_change_is_a_planning_input(repo: GitRepo) -> None:
    base = _flux(repo)
    repo.write("clusters/prod/vars.yaml", CLUSTER_VARS.replace('"1.27"', '"1.28"'))
    head = repo.commit("bump the image tag variable")
    base_plan, head_plan = _plans(repo, base, head)
    assert base_plan != head_plan  # the variable's value is in the plan
    assert same_plan_listings(repo.root, base, head) is None
    # the Kustomization that reads it is affected (the ConfigMap is one of its inputs)
    names = {name for name, _, _ in _affected_names(repo, base, head, base_plan, head_plan)}
    assert "Kustomization flux-system/apps" in names


def test_an_unrelated_file_change_still_reuses_the_plan(repo: GitRepo) -> None:
    base = _flux(repo)
    repo.write("apps/deploy.yaml", DEPLOY.replace("nginx", "httpd"))
    head = repo.commit("change a manifest")
    base_plan, head_plan = _plans(repo, base, head)
    assert base_plan == head_plan
    assert same_plan_listings(repo.root, base, head) is not None
