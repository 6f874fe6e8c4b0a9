"""Every file a Kustomize or Helm target reads is among its inputs (the affected-target graph)."""

from __future__ import annotations

from pathlib import Path

from tests.render.helpers import render_repo, write
from validator.render import TargetKind, discover_targets
from validator.repo_config import load_repo_config

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"


def _inputs(root: Path, target: str) -> set[str]:
    plan = discover_targets(root, [root], load_repo_config(root))
    return set(next(t for t in plan.targets if t.name == target).inputs)


def test_every_kind_of_kustomize_reference_is_an_input(tmp_path: Path) -> None:
    write(tmp_path, "base/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(tmp_path, "base/cm.yaml", CM.format(name="base"))
    write(tmp_path, "comp/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
          "patches:\n  - path: comp-patch.yaml\n")
    write(tmp_path, "comp/comp-patch.yaml", CM.format(name="base"))
    write(tmp_path, "old-base/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(tmp_path, "old-base/cm.yaml", CM.format(name="old"))
    names = ["patch.yaml", "smp.yaml", "json6902.yaml", "file.txt", "app.env", "legacy.env",
             "secret.txt", "secret.env", "replacement.yaml", "crd.yaml", "openapi.json",
             "config.yaml", "transformer.yaml", "generator.yaml"]
    for name in names:
        write(tmp_path, f"app/{name}", "a: b\n")
    write(tmp_path, "app/transformer.yaml", "apiVersion: builtin\nkind: LabelTransformer\n"
          "metadata:\n  name: t\nlabels:\n  a: b\nfieldSpecs: []\n")
    write(tmp_path, "app/generator.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\n"
          "metadata:\n  name: g\n")
    write(tmp_path, "app/kustomization.yaml", """\
resources:
  - ../base
bases:
  - ../old-base
components:
  - ../comp
patches:
  - path: patch.yaml
patchesStrategicMerge:
  - smp.yaml
patchesJson6902:
  - path: json6902.yaml
    target: {kind: ConfigMap, name: base}
configMapGenerator:
  - name: one
    files: [key=file.txt]
    envs: [app.env]
  - name: two
    env: legacy.env
secretGenerator:
  - name: three
    files: [secret.txt]
    envs: [secret.env]
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
generators:
  - generator.yaml
""")
    expected = {f"app/{name}" for name in names} | {
        "app/kustomization.yaml", "base/kustomization.yaml", "base/cm.yaml",
        "comp/kustomization.yaml", "comp/comp-patch.yaml", "old-base/kustomization.yaml",
        "old-base/cm.yaml"}
    assert _inputs(tmp_path, "app") == expected


def test_helm_charts_inflated_by_kustomize_are_inputs(tmp_path: Path) -> None:
    """``helmCharts`` is refused (no --enable-helm), but the kustomization still reads the chart:
    a change to it must reach the kustomization, whose finding is then reported again."""
    write(tmp_path, "app/kustomization.yaml", """\
helmGlobals:
  chartHome: ../vendor
helmCharts:
  - name: web
    valuesFile: values-prod.yaml
    additionalValuesFiles: [extra/values.yaml]
  - name: api
    version: 1.2.3
    repo: https://charts.example.com
""")
    write(tmp_path, "app/values-prod.yaml", "replicas: 2\n")
    write(tmp_path, "app/extra/values.yaml", "replicas: 3\n")
    write(tmp_path, "vendor/web/Chart.yaml", CHART.format(name="web"))
    write(tmp_path, "vendor/web/templates/cm.yaml", CM.format(name="web"))
    write(tmp_path, "vendor/web/charts/sub/Chart.yaml", CHART.format(name="sub"))
    write(tmp_path, "vendor/api-1.2.3/api/Chart.yaml", CHART.format(name="api"))
    write(tmp_path, "vendor/unused/Chart.yaml", CHART.format(name="unused"))
    assert _inputs(tmp_path, "app") == {
        "app/kustomization.yaml", "app/values-prod.yaml", "app/extra/values.yaml",
        "vendor/web/Chart.yaml", "vendor/web/templates/cm.yaml", "vendor/web/charts/sub/Chart.yaml",
        "vendor/api-1.2.3/api/Chart.yaml"}


def test_helm_charts_default_chart_home_is_the_charts_folder(tmp_path: Path) -> None:
    write(tmp_path, "app/kustomization.yaml", "helmCharts:\n  - name: web\n")
    write(tmp_path, "app/charts/web/Chart.yaml", CHART.format(name="web"))
    write(tmp_path, "app/charts/web/values.yaml", "a: 1\n")
    assert _inputs(tmp_path, "app") == {
        "app/kustomization.yaml", "app/charts/web/Chart.yaml", "app/charts/web/values.yaml"}


def test_a_helm_chart_reads_its_vendored_charts_and_named_values(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml",
          "targets:\n  helm:\n    - chart: charts/web\n      values: [../../values/prod.yaml]\n")
    write(tmp_path, "charts/web/Chart.yaml", CHART.format(name="web"))
    write(tmp_path, "charts/web/templates/cm.yaml", CM.format(name="web"))
    write(tmp_path, "charts/web/charts/sub/Chart.yaml", CHART.format(name="sub"))
    write(tmp_path, "charts/web/.helmignore", "*.bak\n")
    write(tmp_path, "values/prod.yaml", "a: 1\n")
    plan = discover_targets(tmp_path, [tmp_path], load_repo_config(tmp_path))
    (target,) = [t for t in plan.targets if t.kind is TargetKind.HELM]
    assert set(target.inputs) == {
        "charts/web/Chart.yaml", "charts/web/templates/cm.yaml", "charts/web/charts/sub/Chart.yaml",
        "charts/web/.helmignore", "values/prod.yaml"}


def test_a_symlinked_input_names_the_file_it_reads_too(tmp_path: Path) -> None:
    """A reference through a symlink reads the link's target: a change there affects the reader."""
    write(tmp_path, "shared/cm.yaml", CM.format(name="shared"))
    write(tmp_path, "common/kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(tmp_path, "common/cm.yaml", CM.format(name="common"))
    write(tmp_path, "app/kustomization.yaml", "resources:\n  - cm.yaml\n  - ../base\n")
    (tmp_path / "app" / "cm.yaml").symlink_to("../shared/cm.yaml")
    (tmp_path / "base").symlink_to("common")
    write(tmp_path, "plain/real.yaml", CM.format(name="real"))
    (tmp_path / "plain" / "link.yaml").symlink_to("real.yaml")
    inputs = _inputs(tmp_path, "app")
    assert {"app/cm.yaml", "shared/cm.yaml", "base/kustomization.yaml", "common/kustomization.yaml",
            "base/cm.yaml", "common/cm.yaml"} <= inputs
    assert _inputs(tmp_path, "plain/link.yaml") == {"plain/link.yaml", "plain/real.yaml"}


def test_a_symlinked_subchart_folder_is_read_through(tmp_path: Path) -> None:
    """helm follows a symlinked ``charts/common`` inside the repository: its files are inputs."""
    write(tmp_path, "charts/web/Chart.yaml", CHART.format(name="web"))
    write(tmp_path, "library/common/Chart.yaml", CHART.format(name="common"))
    write(tmp_path, "library/common/templates/_helpers.tpl", "{{- define \"x\" -}}{{- end -}}\n")
    (tmp_path / "charts" / "web" / "charts").mkdir()
    (tmp_path / "charts" / "web" / "charts" / "common").symlink_to("../../../library/common")
    inputs = _inputs(tmp_path, "charts/web")
    assert {"charts/web/Chart.yaml", "library/common/Chart.yaml",
            "library/common/templates/_helpers.tpl"} <= inputs


def _value_sets(root: Path, template: str) -> dict[str, set[str]]:
    write(root, ".gitops-validator.yaml", "targets:\n  helm:\n"
          "    - chart: web\n      values: [values-prod.yaml]\n"
          "    - chart: web\n      values: [values-dev.yaml]\n")
    write(root, "web/Chart.yaml", CHART.format(name="web"))
    write(root, "web/values-prod.yaml", "a: 1\n")
    write(root, "web/values-dev.yaml", "a: 2\n")
    write(root, "web/templates/cm.yaml", template)
    plan = discover_targets(root, [root], load_repo_config(root))
    return {t.name: set(t.inputs) for t in plan.targets if t.kind is TargetKind.HELM}


def test_a_value_set_does_not_read_the_values_files_of_the_others(tmp_path: Path) -> None:
    inputs = _value_sets(tmp_path, CM.format(name="web"))
    assert inputs == {
        "web@values-prod": {"web/Chart.yaml", "web/templates/cm.yaml", "web/values-prod.yaml"},
        "web@values-dev": {"web/Chart.yaml", "web/templates/cm.yaml", "web/values-dev.yaml"}}


def test_a_chart_using_files_reads_every_values_file(tmp_path: Path) -> None:
    """``.Files.Get "values-prod.yaml"`` would read another set's file: keep them all."""
    inputs = _value_sets(tmp_path, CM.format(name="web") + "# {{ .Files.Get \"x\" }}\n")
    assert all({"web/values-prod.yaml", "web/values-dev.yaml"} <= i for i in inputs.values())


def test_a_template_linking_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    """Looking for ``.Files`` never follows a link out of the checkout (the outside file says
    ``.Files``: had it been read, every value set would keep every values file)."""
    (tmp_path / "outside.yaml").write_text("{{ .Files.Get \"x\" }}\n")
    root = tmp_path / "repo"
    write(root, "web/templates/link.yaml", "")
    (root / "web" / "templates" / "link.yaml").unlink()
    (root / "web" / "templates" / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    inputs = _value_sets(root, CM.format(name="web"))
    assert "web/values-dev.yaml" not in inputs["web@values-prod"]


def test_files_named_by_builtin_generator_and_transformer_configs_are_inputs(
        tmp_path: Path) -> None:
    """``generators:``/``transformers:`` config files (and inline configs) of builtin plugins name
    files of their own, read relative to the kustomization: they are inputs too."""
    write(tmp_path, "app/kustomization.yaml", """\
resources:
  - cm.yaml
generators:
  - gen.yaml
transformers:
  - patch-transformer.yaml
  - |-
    apiVersion: builtin
    kind: PatchStrategicMergeTransformer
    metadata:
      name: smp
    paths: [smp.yaml]
  - |-
    apiVersion: builtin
    kind: ReplacementTransformer
    metadata:
      name: r
    replacements:
      - path: replacement.yaml
""")
    write(tmp_path, "app/cm.yaml", CM.format(name="app"))
    write(tmp_path, "app/gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\n"
          "metadata:\n  name: g\nfiles: [k=data.txt]\nenvs: [vars.env]\n")
    write(tmp_path, "app/patch-transformer.yaml", "apiVersion: builtin\nkind: PatchTransformer\n"
          "metadata:\n  name: p\npath: patch.yaml\ntarget: {kind: ConfigMap}\n")
    for name in ("data.txt", "vars.env", "patch.yaml", "smp.yaml", "replacement.yaml"):
        write(tmp_path, f"app/{name}", "a: b\n")
    assert _inputs(tmp_path, "app") == {f"app/{name}" for name in (
        "kustomization.yaml", "cm.yaml", "gen.yaml", "patch-transformer.yaml", "data.txt",
        "vars.env", "patch.yaml", "smp.yaml", "replacement.yaml")}


def test_kustomize_reads_the_files_of_builtin_configs_where_the_inputs_say(tmp_path: Path) -> None:
    """The real kustomize reads a builtin config's files relative to the kustomization: the
    generated object carries the content of the input listed above."""
    write(tmp_path, "app/kustomization.yaml", "generators:\n  - gen/gen.yaml\n"
          "transformers:\n  - patch-transformer.yaml\n")
    write(tmp_path, "app/gen/gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\n"
          "metadata:\n  name: g\nfiles: [k=data.txt]\noptions: {disableNameSuffixHash: true}\n")
    write(tmp_path, "app/data.txt", "from-the-input\n")
    write(tmp_path, "app/patch-transformer.yaml", "apiVersion: builtin\nkind: PatchTransformer\n"
          "metadata:\n  name: p\npath: patch.yaml\ntarget: {kind: ConfigMap}\n")
    write(tmp_path, "app/patch.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: g\n"
          "data:\n  patched: 'yes'\n")
    assert {"app/data.txt", "app/patch.yaml"} <= _inputs(tmp_path, "app")
    result = render_repo(tmp_path)
    assert result.findings == ()
    (document,) = result.documents
    assert document.body["data"] == {"k": "from-the-input\n", "patched": "yes"}


def test_a_symlinked_chart_file_names_the_file_it_reads_too(tmp_path: Path) -> None:
    write(tmp_path, "charts/web/Chart.yaml", CHART.format(name="web"))
    write(tmp_path, "shared/cm.yaml", CM.format(name="shared"))
    (tmp_path / "charts" / "web" / "templates").mkdir()
    (tmp_path / "charts" / "web" / "templates" / "cm.yaml").symlink_to("../../../shared/cm.yaml")
    assert {"charts/web/templates/cm.yaml", "shared/cm.yaml"} <= _inputs(tmp_path, "charts/web")
