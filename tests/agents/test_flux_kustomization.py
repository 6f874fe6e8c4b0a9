"""Flux ``Kustomization`` objects read into targets (planning: the TargetPlan they give)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agents.flux_repo import APPS, flux_repo, named, plan, write
from tests.cli.test_check_cli import invoke
from validator.model import Severity
from validator.render.options import ValueSource
from validator.render.targets import TargetKind


def test_kustomization_of_this_repository_is_a_target_with_its_options(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    result = plan(root)
    target = named(result, "Kustomization flux-system/apps")
    assert target.kind is TargetKind.KUSTOMIZE
    assert target.path == "apps"
    assert target.agent is not None
    assert target.agent.where == "clusters/prod/apps.yaml:1"
    assert target.reason.startswith("Kustomization flux-system/apps (clusters/prod/apps.yaml:1)")
    assert "depends on Kustomization flux-system/infra" in target.reason
    options = target.kustomize
    assert options is not None
    assert (options.namespace, options.name_prefix, options.generate) == ("web", "prod-", False)
    assert options.common_metadata == {"labels": {"team": "web"}}
    assert set(target.inputs) >= {"clusters/prod/apps.yaml", "apps/kustomization.yaml",
                                  "apps/deploy.yaml", "clusters/prod/vars.yaml"}
    # the root Kustomization renders clusters/prod (which holds this object) as Flux does
    root_target = named(result, "Kustomization flux-system/flux-system")
    assert root_target.path == "clusters/prod"
    assert root_target.kustomize is not None
    assert root_target.kustomize.generate
    # apps/ is not rendered again on its own terms
    assert [t.name for t in result.targets if t.path == "apps"] == ["Kustomization flux-system/apps"]


def test_substitute_wins_over_substitute_from_and_keeps_where_each_was_written(
        tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    substitution = named(plan(root), "Kustomization flux-system/apps").substitution
    assert substitution is not None
    assert dict(substitution.variables) == {"cluster_env": "prod", "replicas": "3",
                                            "image_tag": "1.27", "registry": "docker.io"}
    assert substitution.sources["cluster_env"] == ValueSource(
        path="clusters/prod/apps.yaml", index=0, field=("spec", "postBuild", "substitute",
                                                          "cluster_env"))
    assert substitution.sources["image_tag"] == ValueSource(
        path="clusters/prod/vars.yaml", index=0, field=("data", "image_tag"))


def test_later_substitute_from_entries_override_earlier_ones_and_secrets_decode(
        tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/secret.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\n"
          "data:\n  registry: cXVheS5pbw==\n  token: c2VjcmV0Cg==\n")
    substitution = named(plan(root), "Kustomization flux-system/apps").substitution
    assert substitution is not None
    assert substitution.variables["registry"] == "quay.io"
    assert substitution.variables["token"] == "secret"  # newlines removed, as Flux does
    assert substitution.sources["registry"].path == "clusters/prod/secret.yaml"


def test_missing_substitute_from_is_a_finding_on_its_entry(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    (root / "clusters/prod/vars.yaml").unlink()
    result = plan(root)
    found = [f for f in result.findings if f.rule_id == "agent/substitute-from-missing"]
    assert len(found) == 1
    assert found[0].severity is Severity.ERROR
    assert (found[0].location.path, found[0].location.line) == ("clusters/prod/apps.yaml", 25)
    assert "ConfigMap flux-system/cluster-vars" in found[0].message
    # the optional Secret is missing too: no finding for it
    assert "cluster-secrets" not in " ".join(f.message for f in result.findings)


def test_invalid_variable_name_is_a_finding(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/apps.yaml", APPS.replace("replicas: \"3\"", "bad-name: \"3\""))
    result = plan(root)
    found = [f for f in result.findings if f.rule_id == "agent/substitute-invalid-name"]
    assert [(f.location.path, f.location.line) for f in found] == [("clusters/prod/apps.yaml", 23)]


def test_folder_without_kustomization_file_is_generated(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    (root / "apps/kustomization.yaml").unlink()
    write(root, "apps/more/service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n")
    target = named(plan(root), "Kustomization flux-system/apps")
    assert target.kustomize is not None
    assert target.kustomize.generate
    assert {"apps/deploy.yaml", "apps/more/service.yaml"} <= set(target.inputs)


def test_another_repository_is_not_rendered(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/other.yaml", """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: podinfo, namespace: flux-system}
spec: {url: https://github.com/stefanprodan/podinfo, ref: {branch: master}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: podinfo, namespace: flux-system}
spec:
  path: ./kustomize
  sourceRef: {kind: GitRepository, name: podinfo}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: lost, namespace: flux-system}
spec:
  path: ./x
  sourceRef: {kind: GitRepository, name: nowhere}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: oci, namespace: flux-system}
spec:
  path: ./
  sourceRef: {kind: OCIRepository, name: manifests}
""")
    result = plan(root)
    assert not [t for t in result.targets if "podinfo" in t.name or "lost" in t.name]
    skipped = {s.path: s for s in result.skipped}
    assert skipped["clusters/prod/other.yaml:6"].group == "not rendered: another repository"
    assert "github.com/stefanprodan/podinfo" in skipped["clusters/prod/other.yaml:6"].reason
    assert "repository_urls" in skipped["clusters/prod/other.yaml:6"].reason
    assert skipped["clusters/prod/other.yaml:13"].group == "not rendered: source not found"
    assert skipped["clusters/prod/other.yaml:20"].group == "not rendered: another repository"
    assert all(s.unit == "Flux Kustomization path" for s in skipped.values())


def test_path_leaving_the_repository_or_missing_is_a_finding(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/apps.yaml", APPS.replace("path: ./apps", "path: ../../etc"))
    result = plan(root)
    assert [f.location.line for f in result.findings if f.rule_id == "agent/path-outside"] == [10]
    write(root, "clusters/prod/apps.yaml", APPS.replace("path: ./apps", "path: ./nothing"))
    result = plan(root)
    assert [f.location.line for f in result.findings if f.rule_id == "agent/path-missing"] == [10]


def test_components_patches_and_images_are_carried(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "components/ha/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: []\n")
    extra = """\
  components:
    - ../components/ha
  images:
    - name: nginx
      newTag: "1.28"
  patches:
    - patch: |
        - op: replace
          path: /spec/replicas
          value: 5
      target:
        kind: Deployment
"""
    write(root, "clusters/prod/apps.yaml", APPS + extra)
    target = named(plan(root), "Kustomization flux-system/apps")
    assert target.kustomize is not None
    assert target.kustomize.components == ("components/ha",)
    assert target.kustomize.image_entries == ({"name": "nginx", "newTag": "1.28"},)
    assert target.kustomize.patches[0]["target"] == {"kind": "Deployment"}
    assert "components/ha/kustomization.yaml" in target.inputs


def test_one_name_in_two_clusters_gives_two_targets_with_unique_names(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/staging/apps.yaml", APPS.replace("prod-", "staging-"))
    result = plan(root)
    names = [t.name for t in result.targets if t.path == "apps"]
    assert sorted(names) == ["Kustomization flux-system/apps (clusters/prod/apps.yaml:1)",
                             "Kustomization flux-system/apps (clusters/staging/apps.yaml:1)"]
    assert len({t.name for t in result.targets}) == len(result.targets)


def test_the_bootstrap_object_built_by_itself_is_consumed_not_ignored(tmp_path: Path) -> None:
    """flux bootstrap's root Kustomization builds ./clusters/prod, which holds the file the
    object itself is in (through flux-system/kustomization.yaml): that file is applied."""
    result = plan(flux_repo(tmp_path))
    assert "clusters/prod/flux-system/gotk-sync.yaml" not in result.ignored
    assert "Kustomization flux-system/flux-system" in \
        result.consumed["clusters/prod/flux-system/gotk-sync.yaml"]
    assert "clusters/prod/apps.yaml" in result.consumed  # read by the root's generated build
    # an object in the folder it builds, but not read by that build, is not consumed by it
    # (nothing applies it: reported as such, as any file its folder's kustomization skips)
    (tmp_path / "clusters/prod/apps.yaml").rename(tmp_path / "apps/flux.yaml")
    result = plan(tmp_path)
    assert "apps/flux.yaml" not in result.consumed
    assert result.ignored["apps/flux.yaml"].endswith("(not applied)")


def test_targets_json_never_prints_a_value_read_from_a_secret(tmp_path: Path) -> None:
    """``targets -o json`` goes to CI logs: a substituteFrom Secret's decoded value must not;
    the variables the Kustomization writes itself are shown as written."""
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/secret.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-secrets, namespace: flux-system}\n"
          "data:\n  token: czNjcjN0LXRva2Vu\n")
    code, out, _ = invoke("targets", ".", "-o", "json", cwd=root)
    assert code == 0
    assert "s3cr3t-token" not in out
    variables = next(t["options"]["substitution"]["variables"] for t in json.loads(out)["targets"]
                     if t["name"] == "Kustomization flux-system/apps")
    assert variables["token"] == "<read from clusters/prod/secret.yaml>"
    assert variables["cluster_env"] == "prod"
