"""Which kustomizations are targets: cycles, bases that are deployed, own-folder files, components."""

from __future__ import annotations

import os
from pathlib import Path

from tests.render.helpers import write
from validator.render import RenderSettings, TargetKind, discover_targets, render_targets
from validator.render.targets import TargetPlan
from validator.repo_config import load_repo_config

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n"


def plan_of(root: Path, *paths: Path) -> TargetPlan:
    return discover_targets(root, paths or (root,), load_repo_config(root))


def kinds(plan: TargetPlan) -> dict[str, TargetKind]:
    return {t.name: t.kind for t in plan.targets}


def test_self_including_kustomization_is_a_finding_and_its_files_are_checked(tmp_path: Path) -> None:
    write(tmp_path, "app/deploy.yaml", CM.format(name="a"))
    write(tmp_path, "app/kustomization.yaml", "resources:\n  - deploy.yaml\n  - ../app\n")
    plan = plan_of(tmp_path)
    assert [(f.rule_id, f.location.path, f.location.line) for f in plan.findings] == [
        ("render/kustomization-cycle", "app/kustomization.yaml", 3)]
    assert "cycle" in plan.findings[0].message
    assert kinds(plan) == {"app/deploy.yaml": TargetKind.PLAIN}
    assert "cycle" in plan.targets[0].reason
    result = render_targets(plan, RenderSettings(), root=tmp_path)
    assert [d.resource.name for d in result.documents] == ["a"]


def test_two_kustomizations_including_each_other(tmp_path: Path) -> None:
    write(tmp_path, "a/one.yaml", CM.format(name="one"))
    write(tmp_path, "a/kustomization.yaml", "resources:\n  - one.yaml\n  - ../b\n")
    write(tmp_path, "b/two.yaml", CM.format(name="two"))
    write(tmp_path, "b/kustomization.yaml", "resources:\n  - two.yaml\n  - ../a\n")
    write(tmp_path, "base/three.yaml", CM.format(name="three"))
    write(tmp_path, "base/kustomization.yaml", "resources:\n  - three.yaml\n")
    write(tmp_path, "over/kustomization.yaml", "resources:\n  - ../base\n  - ../a\n")
    plan = plan_of(tmp_path)
    cycles = [(f.location.path, f.location.line) for f in plan.findings
              if f.rule_id == "render/kustomization-cycle"]
    assert ("b/kustomization.yaml", 3) in cycles  # a -> b -> a closes in b
    assert ("over/kustomization.yaml", 3) in cycles  # builds on the cycle: cannot be built
    # nothing hides: the cycle's resources are plain targets, and the base only a blocked
    # overlay uses is built on its own
    assert kinds(plan) == {"a/one.yaml": TargetKind.PLAIN, "b/two.yaml": TargetKind.PLAIN,
                           "base": TargetKind.KUSTOMIZE}


def test_root_kustomization_only_owns_files_of_its_own_folder(tmp_path: Path) -> None:
    write(tmp_path, "kustomization.yaml", "resources:\n  - top.yaml\n")
    write(tmp_path, "top.yaml", CM.format(name="top"))
    write(tmp_path, "unused.yaml", CM.format(name="unused"))
    write(tmp_path, "examples/app.yaml", CM.format(name="app"))
    plan = plan_of(tmp_path)
    assert kinds(plan) == {".": TargetKind.KUSTOMIZE, "examples/app.yaml": TargetKind.PLAIN}
    assert plan.ignored["unused.yaml"].endswith("(not applied)")


def test_a_file_named_on_the_command_line_is_always_checked(tmp_path: Path) -> None:
    write(tmp_path, "app/kustomization.yaml", "resources:\n  - used.yaml\n")
    write(tmp_path, "app/used.yaml", CM.format(name="used"))
    write(tmp_path, "app/draft.yaml", CM.format(name="draft"))
    plan = plan_of(tmp_path, tmp_path / "app/draft.yaml")
    assert [(t.kind, t.name) for t in plan.targets] == [(TargetKind.PLAIN, "app/draft.yaml")]
    assert "named on the command line" in plan.targets[0].reason
    assert plan_of(tmp_path).ignored["app/draft.yaml"].endswith("(not applied)")


def test_a_base_named_by_an_agent_object_is_a_target(tmp_path: Path) -> None:
    write(tmp_path, "apps/web/base/cm.yaml", CM.format(name="web"))
    write(tmp_path, "apps/web/base/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(tmp_path, "apps/web/dev/kustomization.yaml", "resources:\n  - ../base\n")
    write(tmp_path, "apps/api/base/kustomization.yaml", "resources: []\n")
    write(tmp_path, "apps/api/dev/kustomization.yaml", "resources:\n  - ../base\n")
    write(tmp_path, "apps/db/base/kustomization.yaml", "resources: []\n")
    write(tmp_path, "apps/db/dev/kustomization.yaml", "resources:\n  - ../base\n")
    write(tmp_path, "clusters/prod/web.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://example.com/repo.git
    path: apps/web/base
""")
    write(tmp_path, "clusters/prod/api.yaml", """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: api
spec:
  path: ./apps/api/base/
""")
    write(tmp_path, "clusters/prod/multi.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: db
spec:
  sources:
    - repoURL: https://example.com/charts
      chart: x
    - path: apps/db/base
""")
    plan = plan_of(tmp_path)
    by_name = {t.name: t for t in plan.targets}
    assert {"apps/web/base", "apps/web/dev", "apps/api/base", "apps/api/dev",
            "apps/db/base", "apps/db/dev"} <= set(by_name)
    assert by_name["apps/web/base"].reason == (
        "named by Application web (clusters/prod/web.yaml:8)")
    assert by_name["apps/api/base"].reason == (
        "named by Kustomization api (clusters/prod/api.yaml:6)")
    # without the agent objects, the bases are only built through their overlays
    for name in ("web", "api", "multi"):
        (tmp_path / f"clusters/prod/{name}.yaml").unlink()
    assert not {"apps/web/base", "apps/api/base", "apps/db/base"} & {
        t.name for t in plan_of(tmp_path).targets}


def test_all_kustomizations_builds_every_one_except_components(tmp_path: Path) -> None:
    write(tmp_path, "base/kustomization.yaml", "resources: []\n")
    write(tmp_path, "dev/kustomization.yaml", "resources:\n  - ../base\ncomponents:\n  - ../comp\n")
    write(tmp_path, "comp/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n")
    write(tmp_path, ".gitops-validator.yaml", "version: 1\ntargets:\n  all_kustomizations: true\n")
    assert kinds(plan_of(tmp_path)) == {"base": TargetKind.KUSTOMIZE, "dev": TargetKind.KUSTOMIZE}


def test_an_unused_component_is_not_called_unreferenced(tmp_path: Path) -> None:
    write(tmp_path, "comp/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - cm.yaml\n")
    write(tmp_path, "comp/cm.yaml", CM.format(name="c"))
    plan = plan_of(tmp_path)
    for path in ("comp/kustomization.yaml", "comp/cm.yaml"):
        assert "not referenced" not in plan.ignored[path]
        assert "component" in plan.ignored[path]


def test_ignored_reasons_do_not_name_each_folder(tmp_path: Path) -> None:
    """Reasons group: one reason text per rule, so `targets` can count them."""
    for app in ("a", "b"):
        write(tmp_path, f"{app}/kustomization.yaml", "resources: []\n")
        write(tmp_path, f"{app}/stray.yaml", CM.format(name=app))
    plan = plan_of(tmp_path)
    assert plan.ignored["a/stray.yaml"] == plan.ignored["b/stray.yaml"]


def test_a_named_pipe_is_never_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    write(tmp_path, "cm.yaml", CM.format(name="cm"))
    plan = plan_of(tmp_path)
    assert plan.ignored["pipe.yaml"] == "not a regular file (a named pipe); not read"
    assert kinds(plan) == {"cm.yaml": TargetKind.PLAIN}


def test_an_empty_kustomization_render_says_so(tmp_path: Path) -> None:
    write(tmp_path, "empty/kustomization.yaml", "resources: []\n")
    result = render_targets(plan_of(tmp_path), RenderSettings(), root=tmp_path)
    assert result.findings == ()
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("empty/kustomization.yaml", "kustomize build empty produced no objects (empty render)")]


def test_a_base_whose_only_users_are_not_built_is_built_on_its_own(tmp_path: Path) -> None:
    """A base used only by an unused component, or by a kustomization in a folder the
    configuration ignores, is applied by nothing that is checked: it is built itself,
    never left out as if target discovery were off."""
    write(tmp_path, "apps/base/cm.yaml", CM.format(name="base"))
    write(tmp_path, "apps/base/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(tmp_path, "apps/mid/kustomization.yaml", "resources:\n  - ../base\n")
    write(tmp_path, "comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
          "kind: Component\nresources:\n  - ../apps/mid\n")
    write(tmp_path, "other/cm.yaml", CM.format(name="other"))
    write(tmp_path, "other/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(tmp_path, "legacy/overlay/kustomization.yaml", "resources:\n  - ../../other\n")
    write(tmp_path, ".gitops-validator.yaml", "version: 1\nignore:\n  - legacy/\n")
    plan = plan_of(tmp_path)
    assert kinds(plan) == {"apps/mid": TargetKind.KUSTOMIZE, "other": TargetKind.KUSTOMIZE}
    assert "no built kustomization uses it" in plan.targets[0].reason
    assert not [why for why in plan.ignored.values() if "discovery is off" in why]
    result = render_targets(plan, RenderSettings(), root=tmp_path)
    assert sorted(d.resource.name for d in result.documents) == ["base", "other"]


def test_a_values_file_no_target_uses_is_not_checked_and_says_so(tmp_path: Path) -> None:
    """``values-prod.yaml`` beside a chart rendered with its default values is never read by
    helm: it is listed as not checked, not as consumed ("rendered by") the chart."""
    (tmp_path / ".git").mkdir()
    write(tmp_path, "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    write(tmp_path, "charts/web/values.yaml", "hostNetwork: false\n")
    write(tmp_path, "charts/web/values-prod.yaml", "hostNetwork: true\n")
    write(tmp_path, "charts/web/values-dev.yml", "hostNetwork: false\n")
    write(tmp_path, "charts/web/templates/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n"
          "  name: web\nspec:\n  hostNetwork: {{ .Values.hostNetwork }}\n  containers:\n"
          "    - name: web\n      image: nginx:1.27\n")
    plan = plan_of(tmp_path)
    assert "charts/web/values-prod.yaml" not in plan.consumed
    assert plan.ignored["charts/web/values-prod.yaml"] == plan.ignored["charts/web/values-dev.yml"]
    assert plan.ignored["charts/web/values-prod.yaml"].startswith("values file no Helm target uses")
    assert "charts/web/values.yaml" in plan.consumed
    # a target that uses it consumes it; the other one is still listed
    write(tmp_path, ".gitops-validator.yaml", "version: 1\ntargets:\n  helm:\n"
          "    - chart: charts/web\n      values: [values-prod.yaml]\n")
    plan = plan_of(tmp_path)
    assert "charts/web/values-prod.yaml" in plan.consumed
    assert "charts/web/values-dev.yml" in plan.ignored


def test_a_library_chart_is_not_a_target(tmp_path: Path) -> None:
    """``type: library`` charts are not installable (helm template fails on them): they are
    rendered only through the charts that depend on them, never as a failing target."""
    write(tmp_path, "charts/common/Chart.yaml", "apiVersion: v2\nname: common\nversion: 0.1.0\n"
          "type: library\n")
    write(tmp_path, "charts/common/templates/_helpers.tpl", '{{- define "common.name" -}}x{{- end -}}\n')
    write(tmp_path, "charts/common/values.yaml", "{}\n")
    write(tmp_path, "charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n")
    write(tmp_path, "charts/app/templates/cm.yaml", CM.format(name="app"))
    plan = plan_of(tmp_path)
    assert kinds(plan) == {"charts/app": TargetKind.HELM}
    assert plan.ignored["charts/common/Chart.yaml"].startswith("part of Helm library chart")
    assert "charts/common/templates/_helpers.tpl" in plan.ignored
    result = render_targets(plan, RenderSettings(), root=tmp_path)
    assert result.findings == ()
    # declared, it is rendered as asked (and helm says why it cannot be)
    write(tmp_path, ".gitops-validator.yaml", "version: 1\ntargets:\n  helm:\n    - chart: charts/common\n")
    assert [t.path for t in plan_of(tmp_path).targets] == ["charts/app", "charts/common"]


def test_a_manifest_in_a_chart_folder_that_helm_does_not_render_is_checked_on_its_own(
        tmp_path: Path) -> None:
    """Helm renders templates/, crds/ and charts/; a manifest elsewhere under the chart
    folder (``apps/web/deploy.yaml`` beside ``apps/Chart.yaml``) is never part of the
    release, so calling it "part of chart apps" would pass it unchecked."""
    (tmp_path / ".git").mkdir()
    write(tmp_path, "apps/Chart.yaml", "apiVersion: v2\nname: apps\nversion: 0.1.0\n")
    write(tmp_path, "apps/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    write(tmp_path, "apps/web/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
          "data: [not, a, map]\n")
    write(tmp_path, "apps/ci/test-values.yaml", "replicas: 2\n")  # chart-testing values: no manifest
    plan = plan_of(tmp_path)
    assert kinds(plan) == {"apps": TargetKind.HELM, "apps/web/deploy.yaml": TargetKind.PLAIN,
                           "apps/ci/test-values.yaml": TargetKind.PLAIN}
    result = render_targets(plan, RenderSettings(jobs=1), root=tmp_path)
    assert [d.resource.name for d in result.documents if d.path == "apps/web/deploy.yaml"] == ["b"]
    assert [s.path for s in result.skipped if s.path.startswith("apps/ci/")]  # listed, not an error
