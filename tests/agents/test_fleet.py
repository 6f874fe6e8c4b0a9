"""End to end over a Flux fleet laid out as ``flux bootstrap`` does (tests/agents/fleet.py),
with the real CLI: what a platform engineer adopting the tool sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agents.fleet import fleet
from tests.change.gitrepo import GitRepo
from tests.cli.test_check_cli import invoke


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return fleet(GitRepo.init(tmp_path / "fleet"))


def _check(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = invoke("check", ".", "--ignore-missing-schemas", "-o", "json", *args,
                            cwd=repo.root)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_objects_one_kustomization_renders_and_another_reads_are_not_called_unread(
        repo: GitRepo) -> None:
    """The root Kustomization renders ``clusters/prod``, so the other Flux objects are also
    rendered out of it: they were read from their files all the same, so no "not rendered"
    or "checked without the agent object's options" entry may name them; only the chart
    from a Helm repository is not rendered, once."""
    _, report = _check(repo)
    agent_skipped = [(s["path"], s["group"]) for s in report["skipped"]
                     if s["what"] in ("Flux Kustomization path", "HelmRelease chart")]
    assert agent_skipped == [("infrastructure/controllers/ingress-nginx.yaml:15",
                              "not rendered: remote chart")]


WEB2 = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web2
  namespace: web
spec:
  interval: 30m
  chart:
    spec:
      chart: ./charts/web
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  values:
    replicaCount: ${podinfo_replicas}
    image:
      tag: ${podinfo_tag}
"""


def _with_substituted_release(repo: GitRepo) -> None:
    """A HelmRelease the ``apps`` Kustomization applies: kustomize-controller substitutes
    its ``${...}`` before helm-controller reads it."""
    repo.write("apps/production/web-release.yaml", WEB2)
    kustomization = repo.root / "apps/production/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "  - ../base/podinfo\n", "  - ../base/podinfo\n  - web-release.yaml\n"))
    repo.commit("web2")


def test_a_helmrelease_a_substituting_kustomization_applies_gets_its_variables(
        repo: GitRepo) -> None:
    _with_substituted_release(repo)
    code, report = _check(repo)
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [
        ("agent/chart-repository-not-allowed", "infrastructure/controllers/ingress-nginx.yaml")]
    assert code == 0
    code, out, err = invoke("render", ".", "--target", "HelmRelease web/web2", cwd=repo.root)
    assert code == 0, err
    assert "replicas: 2\n" in out
    assert "image: nginx:6.7.0\n" in out


def test_a_substituted_configmap_change_affects_the_helmrelease_too(repo: GitRepo) -> None:
    """``diff`` plans the HelmRelease target as affected by the ConfigMap its variables come
    from: a bad value there is a new finding in both the Kustomization's and the release's
    objects."""
    _with_substituted_release(repo)
    vars_file = repo.root / "clusters/prod/cluster-vars.yaml"
    vars_file.write_text(vars_file.read_text().replace('podinfo_replicas: "2"', 'podinfo_replicas: "many"'))
    repo.commit("many")
    code, out, err = invoke("diff", "--base", "HEAD~1", "-o", "json", cwd=repo.root)
    assert code == 1, err
    new = sorted((f["resource"]["name"], f["path"], f["line"]) for f in json.loads(out)["findings"]
                 if f["status"] == "new")
    assert new == [("podinfo", "clusters/prod/cluster-vars.yaml", 7),
                   ("web2", "apps/production/web-release.yaml", 16)]


def test_a_helmrelease_two_kustomizations_apply_is_one_target_each(repo: GitRepo) -> None:
    _with_substituted_release(repo)
    apps = (repo.root / "clusters/prod/apps.yaml").read_text()
    repo.write("clusters/prod/apps-canary.yaml", apps.replace("name: apps\n", "name: apps-canary\n")
               .replace("cluster_name: prod", "cluster_name: canary\n      podinfo_replicas: '1'"))
    repo.commit("canary")
    for name, replicas in (("apps", 2), ("apps-canary", 1)):
        code, out, err = invoke("render", ".", "--target",
                                f"HelmRelease web/web2 (applied by Kustomization flux-system/{name})",
                                cwd=repo.root)
        assert code == 0, err
        assert f"replicas: {replicas}\n" in out


def test_a_values_files_string_is_not_read_letter_by_letter(repo: GitRepo) -> None:
    """``valuesFiles: values.yaml`` (a string where Flux wants a list) is the schema check's
    finding, once; not nine "values file a is not in the repository" findings."""
    release = repo.root / "infrastructure/controllers/web-release.yaml"
    release.write_text(release.read_text().replace(
        "      chart: ./charts/web\n", "      chart: ./charts/web\n      valuesFiles: values.yaml\n"))
    repo.commit("string")
    _, report = _check(repo)
    assert not [f for f in report["findings"] if f["rule_id"] == "agent/values-file-missing"]
    assert [(f["rule_id"], f["line"]) for f in report["findings"]
            if f["path"] == "infrastructure/controllers/web-release.yaml"] == [("schema/type", 11)]


def test_components_written_as_a_string_are_not_read_letter_by_letter(repo: GitRepo) -> None:
    apps = repo.root / "clusters/prod/apps.yaml"
    apps.write_text(apps.read_text().replace("  prune: true\n", "  prune: true\n  components: ../x\n"))
    repo.commit("string")
    _, report = _check(repo)
    assert [(f["rule_id"], f["line"]) for f in report["findings"]
            if f["path"] == "clusters/prod/apps.yaml"] == [("schema/type", 15)]


def test_two_clusters_applying_one_release_give_targets_of_distinct_names(repo: GitRepo) -> None:
    """``clusters/staging`` copies ``clusters/prod``: two Kustomizations named
    ``flux-system/apps`` apply the release, told apart by where they are."""
    _with_substituted_release(repo)
    for path in ("apps.yaml", "cluster-vars.yaml"):
        repo.write(f"clusters/staging/{path}", (repo.root / "clusters/prod" / path).read_text())
    repo.commit("staging")
    code, out, err = invoke("targets", ".", "-o", "json", cwd=repo.root)
    assert code == 0, err
    names = [t["name"] for t in json.loads(out)["targets"] if "web2" in t["name"]]
    assert sorted(names) == [
        "HelmRelease web/web2 (applied by Kustomization flux-system/apps (clusters/prod/apps.yaml:1))",
        "HelmRelease web/web2 (applied by Kustomization flux-system/apps (clusters/staging/apps.yaml:1))"]


def test_a_target_namespace_moving_a_release_and_its_configmap_finds_the_configmap(
        repo: GitRepo) -> None:
    """``targetNamespace: shop`` on the Kustomization that applies a HelmRelease and the
    ConfigMap its ``valuesFrom`` names moves both: the values are found (no false
    ``agent/values-from-missing``). Reading the release in ``shop`` but its ConfigMap in the
    namespace its file names reported one; the release is read as written (known gap: its
    namespace is the file's)."""
    infra = repo.root / "clusters/prod/infrastructure.yaml"
    infra.write_text(infra.read_text().replace("  path: ./infrastructure/controllers\n",
                                               "  path: ./infrastructure/controllers\n"
                                               "  targetNamespace: shop\n"))
    kustomization = repo.root / "infrastructure/controllers/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "  - web-values.yaml\n")
    repo.commit("target namespace")
    _, report = _check(repo)
    assert not [f for f in report["findings"] if f["rule_id"].startswith("agent/values-from")]
    code, out, err = invoke("render", ".", "--target", "HelmRelease web/web", cwd=repo.root)
    assert code == 0, err
    assert 'image: nginx:1.27\n' in out
