"""Target discovery: what is a target, what is consumed, what is ignored and why."""

from __future__ import annotations

from pathlib import Path

from tests.render.helpers import SAMPLE_REPO, write
from validator.render import TargetKind, discover_targets, format_plan
from validator.repo_config import load_repo_config


def test_sample_repository_plan() -> None:
    plan = discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO))
    assert [(t.kind, t.name) for t in plan.targets] == [
        (TargetKind.KUSTOMIZE, "apps/web/overlays/dev"),
        (TargetKind.KUSTOMIZE, "apps/web/overlays/prod"),
        (TargetKind.HELM, "api-dev"),
        (TargetKind.HELM, "api-prod"),
        (TargetKind.PLAIN, "manifests/namespace.yaml"),
    ]
    prod = plan.targets[3]
    assert (prod.release_name, prod.namespace, prod.values_files) == (
        "api", "api-prod", ("charts/api/values-prod.yaml",))
    assert prod.reason == "declared in .gitops-validator.yaml:8"
    # the base is shared by two overlays: consumed, not a target of its own
    assert plan.consumed["apps/web/base/deployment.yaml"].endswith(
        "rendered by apps/web/overlays/dev, apps/web/overlays/prod")
    assert "apps/web/components/monitoring/monitor-config.yaml" in plan.consumed
    assert "apps/web/overlays/prod/app.properties" in plan.consumed  # generator input
    assert plan.consumed["charts/api/templates/deployment.yaml"].startswith("part of chart")
    assert plan.ignored == {
        ".gitops-validator.yaml": "the validator's configuration file",
        "README.md": "not a YAML or JSON file",
        "docs": "matches ignore pattern 'docs/' in .gitops-validator.yaml",
    }
    assert plan.findings == ()
    assert set(prod.inputs) >= {"charts/api/values-prod.yaml", "charts/api/Chart.yaml"}
    every_file = {p.relative_to(SAMPLE_REPO).as_posix() for p in SAMPLE_REPO.rglob("*")
                  if p.is_file() and not p.relative_to(SAMPLE_REPO).as_posix().startswith("docs/")}
    targets = {t.path for t in plan.targets if t.kind is TargetKind.PLAIN}
    accounted = set(plan.consumed) | set(plan.ignored) | targets
    assert every_file == accounted - {"docs"}  # every file accounted for (docs/ as a directory)


def test_paths_select_the_targets_that_read_them() -> None:
    config = load_repo_config(SAMPLE_REPO)
    plan = discover_targets(SAMPLE_REPO, [SAMPLE_REPO / "apps/web/base/deployment.yaml"], config)
    assert [t.name for t in plan.targets] == ["apps/web/overlays/dev", "apps/web/overlays/prod"]
    plan = discover_targets(SAMPLE_REPO, [SAMPLE_REPO / "charts/api/values-prod.yaml"], config)
    assert {t.name for t in plan.targets} == {"api-prod"}  # the set rendered with it (no .Files)
    plan = discover_targets(SAMPLE_REPO, [SAMPLE_REPO / "charts/api/Chart.yaml"], config)
    assert {t.name for t in plan.targets} == {"api-dev", "api-prod"}  # both read the chart dir


def test_declared_base_is_a_target_and_undeclared_chart_gets_defaults(repo: Path) -> None:
    write(repo, ".gitops-validator.yaml", """\
targets:
  kustomize:
    - path: apps/web/base
      name: web-base
  helm:
    - chart: charts/missing
""")
    plan = discover_targets(repo, [], load_repo_config(repo))
    names = [t.name for t in plan.targets]
    assert "web-base" in names
    assert "charts/api" in names  # discovered, default values
    assert [(f.location.path, f.location.line, f.message) for f in plan.findings] == [
        (".gitops-validator.yaml", 6, "targets.helm: charts/missing has no Chart.yaml")]


def test_unreferenced_file_in_kustomization_dir_is_ignored(repo: Path) -> None:
    write(repo, "apps/web/overlays/dev/unused.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    plan = discover_targets(repo, [], load_repo_config(repo))
    assert plan.ignored["apps/web/overlays/dev/unused.yaml"] == (
        "not referenced by the kustomization in its folder (not applied)")
    assert "apps/web/overlays/dev/unused.yaml" not in {t.path for t in plan.targets}


def test_symlink_leaving_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/secret.yaml", "apiVersion: v1\nkind: Secret\n")
    (repo / "manifests/leak.yaml").symlink_to(outside)
    (repo / "manifests/leakdir").symlink_to(outside.parent)
    (repo / "manifests/alias.yaml").symlink_to(repo / "manifests/namespace.yaml")
    plan = discover_targets(repo, [], load_repo_config(repo))
    assert plan.ignored["manifests/leak.yaml"] == "symlink leaving the repository (refused)"
    assert plan.ignored["manifests/leakdir"] == "symlink leaving the repository (refused)"
    assert sorted((f.rule_id, f.location.path) for f in plan.findings) == [
        ("render/symlink-escape", "manifests/leak.yaml"),
        ("render/symlink-escape", "manifests/leakdir")]
    assert "manifests/alias.yaml" in {t.path for t in plan.targets}  # stays inside: fine


def test_format_plan_lists_every_section() -> None:
    text = format_plan(discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO)))
    assert "targets (5):" in text
    assert ("  helm      api-prod release=api namespace=api-prod "
            "values=[charts/api/values-prod.yaml]") in text
    assert "  1  not a YAML or JSON file" in text
    assert "README.md" not in text
    assert "  README.md: not a YAML or JSON file" in format_plan(
        discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO)), verbose=True)
    assert "consumed (16):" in text


def test_hidden_directories_and_non_manifests_are_ignored(repo: Path) -> None:
    write(repo, ".git/config", "[core]\n")
    write(repo, ".github/workflows/ci.yml", "on: push\n")
    write(repo, "manifests/.draft.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    write(repo, "manifests/notes.txt", "hello\n")
    plan = discover_targets(repo, [], load_repo_config(repo))
    assert plan.ignored[".git"] == "hidden directory"
    assert plan.ignored[".github"] == "hidden directory"
    assert plan.ignored["manifests/.draft.yaml"] == "hidden file"
    assert plan.ignored["manifests/notes.txt"] == "not a YAML or JSON file"
    assert [t.path for t in plan.targets if t.kind is TargetKind.PLAIN] == [
        "manifests/namespace.yaml"]


def test_value_sets_in_folders_get_distinct_target_names_and_duplicates_are_refused(
        tmp_path: Path) -> None:
    chart = tmp_path / "c"
    for folder in ("dev", "prod"):
        (chart / folder).mkdir(parents=True)
        (chart / folder / "values.yaml").write_text("replicas: 1\n")
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / ".gitops-validator.yaml").write_text(
        "version: 1\ntargets:\n  helm:\n"
        "    - {chart: c, values: [dev/values.yaml]}\n"
        "    - {chart: c, values: [prod/values.yaml]}\n"
        "    - {chart: c, name: c@dev/values, values: [prod/values.yaml]}\n")
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))
    assert [t.name for t in plan.targets] == ["c@dev/values", "c@prod/values"]
    assert [(f.location.line, "second target named c@dev/values" in f.message)
            for f in plan.findings] == [(6, True)]
