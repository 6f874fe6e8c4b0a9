"""Affected targets on real git repositories: what a change reaches, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.change.affected_repo import GitRepo, names
from validator.render import RenderSettings, TargetPlan, render_targets

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: '{value}'\n"
CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
PATCH = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  a: '{value}'\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A base shared by three overlays, a chart with two value sets, plain files, a README."""
    repo = GitRepo(tmp_path / "repo")
    repo.write(".gitops-validator.yaml", """\
targets:
  helm:
    - chart: charts/web
      values: [values-prod.yaml]
    - chart: charts/web
      values: [values-dev.yaml]
""")
    repo.write("apps/base/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    repo.write("apps/base/deploy.yaml", CM.format(name="shared", value=1))
    for overlay in ("dev", "staging", "prod"):
        repo.write(f"apps/{overlay}/kustomization.yaml",
                   "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n")
        repo.write(f"apps/{overlay}/patch.yaml", PATCH.format(value=overlay))
    repo.write("charts/web/Chart.yaml", CHART.format(name="web"))
    repo.write("charts/web/values.yaml", "a: 1\n")
    repo.write("charts/web/values-prod.yaml", "a: 2\n")
    repo.write("charts/web/values-dev.yaml", "a: 3\n")
    repo.write("charts/web/templates/cm.yaml", CM.format(name="web", value="{{ .Values.a }}"))
    repo.write("manifests/ns.yaml", CM.format(name="ns", value=1))
    repo.write("policies/main.rego", "package main\n")
    repo.write("README.md", "# repo\n")
    repo.commit("base")
    return repo


def test_a_change_to_the_shared_base_affects_exactly_its_three_overlays(repo: GitRepo) -> None:
    repo.write("apps/base/deploy.yaml", CM.format(name="shared", value=2))
    plan = repo.affected("HEAD")
    assert names(plan) == {"apps/dev": "both", "apps/staging": "both", "apps/prod": "both"}
    assert {(c.path, c.why) for a in plan.targets for c in a.causes} == {
        ("apps/base/deploy.yaml", "reads apps/base/deploy.yaml")}
    assert not plan.full
    assert plan.unread == ()


def test_a_change_to_one_overlay_affects_only_it(repo: GitRepo) -> None:
    repo.write("apps/staging/patch.yaml", PATCH.format(value="new"))
    assert names(repo.affected("HEAD")) == {"apps/staging": "both"}


def test_a_values_file_affects_only_the_value_sets_using_it(repo: GitRepo) -> None:
    repo.write("charts/web/values-prod.yaml", "a: 20\n")
    assert names(repo.affected("HEAD")) == {"charts/web@values-prod": "both"}


def test_a_chart_template_or_default_values_affect_every_value_set(repo: GitRepo) -> None:
    repo.write("charts/web/values.yaml", "a: 10\n")
    assert names(repo.affected("HEAD")) == {"charts/web@values-prod": "both",
                                            "charts/web@values-dev": "both"}


def test_a_readme_change_affects_nothing(repo: GitRepo) -> None:
    repo.write("README.md", "# changed\n")
    plan = repo.affected("HEAD")
    assert plan.targets == ()
    assert plan.unread == ("README.md",)


@pytest.mark.parametrize("path", [".gitops-validator.yaml", "policies/main.rego",
                                  "policies/new.rego", "schemas/crd.json"])
def test_a_trusted_change_affects_every_target(repo: GitRepo, path: str) -> None:
    text = (repo.root / path).read_text() if (repo.root / path).exists() else "{}\n"
    repo.write(path, text + "# changed\n")
    plan = repo.affected("HEAD")
    assert plan.full
    assert plan.trusted_changes == (path,)
    assert set(names(plan)) >= {"apps/dev", "apps/staging", "apps/prod", "charts/web@values-prod",
                                "charts/web@values-dev", "manifests/ns.yaml"}
    assert all(any(c.path == path for c in a.causes) for a in plan.targets)


def test_a_new_yaml_file_no_target_reads_is_a_new_plain_target(repo: GitRepo) -> None:
    repo.write("manifests/extra.yaml", CM.format(name="extra", value=1))
    plan = repo.affected("HEAD")
    assert names(plan) == {"manifests/extra.yaml": "head"}
    assert [(c.path, c.why) for c in plan.targets[0].causes] == [
        ("manifests/extra.yaml", "new file")]


def test_a_deleted_overlay_exists_on_the_base_side_only(repo: GitRepo) -> None:
    repo.remove("apps/prod")
    plan = repo.affected("HEAD")
    assert names(plan) == {"apps/prod": "base"}
    assert {c.why for c in plan.targets[0].causes} == {
        "read apps/prod/kustomization.yaml (deleted)", "read apps/prod/patch.yaml (deleted)"}


def test_a_committed_change_is_seen_against_an_older_ref(repo: GitRepo) -> None:
    repo.write("apps/dev/patch.yaml", PATCH.format(value="committed"))
    repo.commit("dev patch")
    assert names(repo.affected("HEAD~1")) == {"apps/dev": "both"}
    assert names(repo.affected("HEAD")) == {}


def test_a_renamed_file_affects_its_readers_on_both_sides(repo: GitRepo) -> None:
    repo.remove("apps/dev/patch.yaml")
    repo.write("apps/dev/patch-renamed.yaml", PATCH.format(value="dev"))
    repo.write("apps/dev/kustomization.yaml",
               "resources:\n  - ../base\npatches:\n  - path: patch-renamed.yaml\n")
    repo.git("add", "-A")  # git sees a rename between the index and the base
    plan = repo.affected("HEAD")
    assert names(plan) == {"apps/dev": "both"}
    assert ("apps/dev/patch-renamed.yaml",
            "reads apps/dev/patch-renamed.yaml (renamed from apps/dev/patch.yaml)") in {
        (c.path, c.why) for c in plan.targets[0].causes}


def test_a_renamed_plain_file_is_a_new_target_and_a_deleted_one(repo: GitRepo) -> None:
    repo.git("mv", "manifests/ns.yaml", "manifests/namespace.yaml")
    plan = repo.affected("HEAD")
    assert names(plan) == {"manifests/namespace.yaml": "head", "manifests/ns.yaml": "base"}


def test_an_overlay_no_longer_reading_a_file_is_affected_on_the_base_side(repo: GitRepo) -> None:
    """The base side read the deleted file; the head side does not: the overlay changed."""
    repo.write("apps/base/extra.yaml", CM.format(name="extra", value=1))
    repo.write("apps/base/kustomization.yaml", "resources:\n  - deploy.yaml\n  - extra.yaml\n")
    repo.commit("extra")
    repo.remove("apps/base/extra.yaml")
    repo.write("apps/base/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    plan = repo.affected("HEAD")
    assert names(plan) == {"apps/dev": "both", "apps/staging": "both", "apps/prod": "both"}
    assert ("apps/base/extra.yaml", "read apps/base/extra.yaml (deleted)") in {
        (c.path, c.why) for c in plan.targets[0].causes}


_EVERY_REFERENCE = """\
resources:
  - ../base
  - cm.yaml
components:
  - ../comp
patches:
  - path: patch.yaml
patchesStrategicMerge:
  - smp.yaml
patchesJson6902:
  - path: json6902.yaml
    target: {kind: ConfigMap, name: shared}
configMapGenerator:
  - name: gen
    files: [key=file.txt]
    envs: [app.env]
secretGenerator:
  - name: sec
    env: secret.env
replacements:
  - path: replacement.yaml
crds:
  - crd.yaml
openapi:
  path: openapi.json
configurations:
  - config.yaml
transformers:
  - transformer.yaml
"""
_REFERENCED = ["cm.yaml", "patch.yaml", "smp.yaml", "json6902.yaml", "file.txt", "app.env",
               "secret.env", "replacement.yaml", "crd.yaml", "openapi.json", "config.yaml",
               "transformer.yaml", "kustomization.yaml"]


@pytest.mark.parametrize("changed", [*(f"apps/all/{name}" for name in _REFERENCED),
                                     "apps/base/deploy.yaml", "apps/base/kustomization.yaml",
                                     "apps/comp/kustomization.yaml", "apps/comp/comp.yaml"])
def test_every_kind_of_kustomize_reference_carries_a_change(repo: GitRepo, changed: str) -> None:
    """Each file the kustomization reads, directly or through its base and component."""
    repo.write("apps/comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
               "kind: Component\npatches:\n  - path: comp.yaml\n")
    repo.write("apps/comp/comp.yaml", PATCH.format(value="component"))
    repo.write("apps/all/kustomization.yaml", _EVERY_REFERENCE)
    for name in _REFERENCED[:-1]:
        repo.write(f"apps/all/{name}", "{}\n")
    repo.commit("every reference")
    repo.write(changed, (repo.root / changed).read_text() + "# changed\n")
    plan = repo.affected("HEAD")
    assert "apps/all" in names(plan)
    assert [c.why for a in plan.targets if a.target.name == "apps/all" for c in a.causes] == [
        f"reads {changed}"]
    overlays = {"apps/dev", "apps/staging", "apps/prod"}
    expected = overlays | {"apps/all"} if changed.startswith("apps/base/") else {"apps/all"}
    assert set(names(plan)) == expected


def test_a_chart_vendored_in_a_kustomization_carries_a_change(repo: GitRepo) -> None:
    """``helmCharts`` is refused, but a change to its chart reaches the kustomization."""
    repo.write("apps/helm/kustomization.yaml", "helmCharts:\n  - name: web\n    valuesFile: v.yaml\n")
    repo.write("apps/helm/v.yaml", "a: 1\n")
    repo.write("apps/helm/charts/web/Chart.yaml", CHART.format(name="web"))
    repo.write("apps/helm/charts/web/templates/cm.yaml", CM.format(name="web", value=1))
    repo.commit("helm charts")
    repo.write("apps/helm/charts/web/templates/cm.yaml", CM.format(name="web", value=2))
    assert names(repo.affected("HEAD")) == {"apps/helm": "both", "apps/helm/charts/web": "both"}
    repo.git("checkout", "--", ".")
    repo.write("apps/helm/v.yaml", "a: 2\n")
    assert names(repo.affected("HEAD")) == {"apps/helm": "both"}


def test_the_affected_targets_render_with_the_real_tools(repo: GitRepo) -> None:
    """The affected plan feeds the renderer: kustomize builds the three overlays with the
    changed base, helm renders the one value set whose values changed."""
    repo.write("apps/base/kustomization.yaml", "resources:\n  - deploy.yaml\n  - extra.yaml\n")
    repo.write("apps/base/extra.yaml", CM.format(name="extra", value="new"))
    repo.write("charts/web/values-dev.yaml", "a: 30\n")
    affected = repo.affected("HEAD")
    plan = TargetPlan(targets=tuple(a.target for a in affected.targets))
    result = render_targets(plan, RenderSettings(jobs=2), root=repo.root)
    assert result.findings == ()
    rendered = {(d.target, d.resource.name, str(d.body["data"]["a"])) for d in result.documents}
    assert rendered == {
        *((f"apps/{o}", "extra", "new") for o in ("dev", "staging", "prod")),
        *((f"apps/{o}", "shared", o) for o in ("dev", "staging", "prod")),
        ("charts/web@values-dev", "web", "30")}


def test_a_target_that_becomes_a_base_is_affected_on_the_base_side(repo: GitRepo) -> None:
    """No input of ``apps/lonely`` changes, but a new overlay builds on it: it is no longer a
    target of the head (a base is not), so its findings are fixed there; the cause says so."""
    repo.write("apps/lonely/kustomization.yaml", "resources:\n  - cm.yaml\n")
    repo.write("apps/lonely/cm.yaml", CM.format(name="lonely", value=1))
    repo.commit("lonely")
    repo.write("apps/over/kustomization.yaml", "resources:\n  - ../lonely\n")
    plan = repo.affected("HEAD")
    assert names(plan) == {"apps/lonely": "base", "apps/over": "head"}
    lonely = next(a for a in plan.targets if a.target.name == "apps/lonely")
    assert [(c.path, c.why) for c in lonely.causes] == [
        ("", "a target on the base side only (directory with kustomization.yaml)")]
