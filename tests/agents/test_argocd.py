"""Argo CD Applications read into targets: the plan (targets, options, inputs, skipped,
findings) for fixtures in Argo CD's documented formats, in real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agents.repo import HTTPS, OTHER, REMOTE, agent_targets, application, chart, git_repo, plan, write
from validator.render.options import ValueSource
from validator.render.targets import TargetKind

GUESTBOOK = f"""\
  project: default
  source:
    repoURL: {HTTPS}
    targetRevision: main
    path: charts/guestbook
    helm:
      releaseName: book
      valueFiles:
        - values-prod.yaml
        - values-eu.yaml
      valuesObject:
        replicaCount: 5
      parameters:
        - name: image
          value: nginx:1.28
        - name: port
          value: "8080"
          forceString: true
      fileParameters:
        - name: config
          path: files/config.txt
      skipCrds: true
      kubeVersion: "1.29.0"
      apiVersions: [monitoring.coreos.com/v1]
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = git_repo(tmp_path / "repo")
    chart(root)
    write(root, "charts/guestbook/values-prod.yaml", "replicaCount: 3\n")
    write(root, "charts/guestbook/values-eu.yaml", "image: nginx:1.27-eu\n")
    write(root, "charts/guestbook/files/config.txt", "x\n")
    return root


def test_a_helm_application_is_one_target_with_its_options(repo: Path) -> None:
    write(repo, "apps/guestbook.yaml", application("guestbook", GUESTBOOK))
    result = plan(repo)
    target = agent_targets(result)["Application argocd/guestbook"]
    assert target.kind is TargetKind.HELM
    assert target.path == "charts/guestbook"
    assert target.reason == "Application argocd/guestbook (apps/guestbook.yaml:1)"
    assert target.release_name == "book"
    assert target.namespace == "guestbook"
    assert target.values_files == ("charts/guestbook/values-prod.yaml",
                                   "charts/guestbook/values-eu.yaml")
    assert target.helm is not None
    (inline,) = target.helm.inline_values
    assert inline.values == {"replicaCount": 5}
    assert inline.source == ValueSource(path="apps/guestbook.yaml", index=0,
                                        field=("spec", "source", "helm", "valuesObject"))
    assert [(p.name, p.value, p.force_string, p.from_file) for p in target.helm.parameters] == [
        ("image", "nginx:1.28", False, False), ("port", "8080", True, False),
        ("config", "charts/guestbook/files/config.txt", False, True)]
    assert target.helm.include_crds is False
    assert target.helm.kube_version == "1.29.0"
    assert target.helm.api_versions == ("monitoring.coreos.com/v1",)
    assert {"apps/guestbook.yaml", "charts/guestbook/Chart.yaml",
            "charts/guestbook/templates/deployment.yaml", "charts/guestbook/values-prod.yaml",
            "charts/guestbook/values-eu.yaml", "charts/guestbook/files/config.txt"} \
        <= set(target.inputs)
    # the chart is rendered through the Application only, not again with its defaults
    assert [t.name for t in result.targets if t.path == "charts/guestbook"] == [target.name]
    assert "apps/guestbook.yaml" not in result.consumed  # still checked as a manifest
    assert result.consumed["charts/guestbook/values-prod.yaml"].endswith(
        "rendered by Application argocd/guestbook")
    assert "charts/guestbook/values-eu.yaml" not in result.ignored
    assert result.consumed["charts/guestbook/values-eu.yaml"].endswith(
        "rendered by Application argocd/guestbook")


def test_values_object_wins_over_the_values_string(repo: Path) -> None:
    spec = (f"  source:\n    repoURL: {REMOTE}\n    path: charts/guestbook\n    helm:\n"
            "      values: |\n        replicaCount: 2\n        image: x\n")
    write(repo, "apps/a.yaml", application("a", spec))
    write(repo, "apps/b.yaml", application("b", spec + "      valuesObject: {replicaCount: 7}\n"))
    targets = agent_targets(plan(repo))
    a, b = targets["Application argocd/a"].helm, targets["Application argocd/b"].helm
    assert a is not None
    assert b is not None
    assert a.inline_values[0].values == {"replicaCount": 2, "image": "x"}
    assert a.inline_values[0].source.field == ("spec", "source", "helm", "values")
    assert [v.values for v in b.inline_values] == [{"replicaCount": 7}]
    assert targets["Application argocd/a"].release_name == "a"  # default: the app's name


def test_a_multi_source_app_takes_values_files_from_its_ref_source(repo: Path) -> None:
    write(repo, "env/prod/values.yaml", "replicaCount: 4\n")
    spec = f"""\
  sources:
    - repoURL: {HTTPS}
      path: charts/guestbook
      targetRevision: main
      helm:
        valueFiles:
          - $values/env/prod/values.yaml
    - repoURL: {REMOTE}
      targetRevision: main
      ref: values
  destination:
    namespace: web
"""
    write(repo, "apps/multi.yaml", application("multi", spec))
    result = plan(repo)
    (target,) = agent_targets(result).values()
    assert target.name == "Application argocd/multi"  # one rendered source: no source number
    assert target.values_files == ("env/prod/values.yaml",)
    assert "env/prod/values.yaml" in target.inputs
    assert result.skipped == ()


def test_two_rendered_sources_are_numbered(repo: Path) -> None:
    write(repo, "plain/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    spec = (f"  sources:\n    - repoURL: {HTTPS}\n      path: charts/guestbook\n"
            f"    - repoURL: {OTHER}\n      path: x\n"
            f"    - repoURL: {HTTPS}\n      path: plain\n")
    write(repo, "apps/two.yaml", application("two", spec))
    result = plan(repo)
    assert sorted(agent_targets(result)) == ["Application argocd/two (source 1)",
                                             "Application argocd/two (source 3)"]
    (skipped,) = result.skipped
    assert skipped.path == "apps/two.yaml:10"
    assert skipped.group == "not rendered: another repository"


def test_a_source_from_another_repository_is_not_rendered_and_counted(repo: Path) -> None:
    spec = (f"  source:\n    repoURL: {OTHER}\n    path: charts/guestbook\n"
            "  destination:\n    namespace: x\n")
    write(repo, "apps/elsewhere.yaml", application("elsewhere", spec))
    result = plan(repo)
    assert agent_targets(result) == {}
    (skipped,) = result.skipped
    assert skipped.path == "apps/elsewhere.yaml:8"
    assert skipped.unit == "Argo CD Application source"
    assert skipped.group == "not rendered: another repository"
    assert OTHER in skipped.reason
    assert skipped.reason.startswith("Application argocd/elsewhere: ")
    # nothing took the chart: it is still rendered on its own terms
    assert [t.name for t in result.targets if t.path == "charts/guestbook"] == ["charts/guestbook"]


def test_values_from_another_repository_keep_the_source_from_rendering(repo: Path) -> None:
    spec = (f"  sources:\n    - repoURL: {HTTPS}\n      path: charts/guestbook\n"
            "      helm:\n        valueFiles: [$v/prod.yaml]\n"
            f"    - repoURL: {OTHER}\n      ref: v\n")
    write(repo, "apps/x.yaml", application("x", spec))
    result = plan(repo)
    assert agent_targets(result) == {}
    (skipped,) = result.skipped
    assert skipped.group == "not rendered: values from another repository"
    assert skipped.path == "apps/x.yaml:11"
    assert OTHER in skipped.reason


@pytest.mark.parametrize("url", [
    "git@github.com:acme/gitops.git", "git@github.com:acme/gitops",
    "ssh://git@github.com/acme/gitops.git", "ssh://git@github.com:22/acme/gitops.git",
    "https://github.com/acme/gitops", "https://github.com/acme/gitops.git",
    "https://github.com/acme/gitops/", "https://GitHub.com/Acme/GitOps.git",
    "https://user@github.com/acme/gitops.git", "git://github.com/acme/gitops"])
def test_every_spelling_of_the_remote_names_this_repository(repo: Path, url: str) -> None:
    spec = f"  source:\n    repoURL: {url}\n    path: charts/guestbook\n"
    write(repo, "apps/a.yaml", application("a", spec))
    assert list(agent_targets(plan(repo))) == ["Application argocd/a"]


def test_without_a_remote_only_the_configured_urls_name_the_repository(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "r", remote="")
    chart(root)
    spec = "  source:\n    repoURL: https://git.example.com/team/deploy.git\n    path: charts/guestbook\n"
    write(root, "apps/a.yaml", application("a", spec))
    assert agent_targets(plan(root)) == {}
    write(root, ".gitops-validator.yaml",
          "repository_urls:\n  - git@git.example.com:team/deploy.git\n")
    assert list(agent_targets(plan(root))) == ["Application argocd/a"]


def test_a_missing_values_file_is_a_finding_unless_ignored(repo: Path) -> None:
    spec = (f"  source:\n    repoURL: {HTTPS}\n    path: charts/guestbook\n    helm:\n"
            "      valueFiles:\n        - values-prod.yaml\n        - values-gone.yaml\n")
    write(repo, "apps/a.yaml", application("a", spec))
    result = plan(repo)
    assert agent_targets(result) == {}
    (problem,) = [f for f in result.findings if f.rule_id.startswith("agent/")]
    assert problem.rule_id == "agent/missing-values-file"
    assert (problem.location.path, problem.location.line) == ("apps/a.yaml", 13)
    write(repo, "apps/a.yaml", application("a", spec + "      ignoreMissingValueFiles: true\n"))
    result = plan(repo)
    target = agent_targets(result)["Application argocd/a"]
    assert target.values_files == ("charts/guestbook/values-prod.yaml",)
    assert target.helm is not None
    assert target.helm.missing_values_files == ("charts/guestbook/values-gone.yaml",)


def test_an_absolute_values_file_is_relative_to_the_repository_root(repo: Path) -> None:
    write(repo, "shared/values.yaml", "image: a\n")
    spec = (f"  source:\n    repoURL: {HTTPS}\n    path: charts/guestbook\n    helm:\n"
            "      valueFiles: [/shared/values.yaml, ../../shared/values.yaml]\n")
    write(repo, "apps/a.yaml", application("a", spec))
    (target,) = agent_targets(plan(repo)).values()
    assert target.values_files == ("shared/values.yaml", "shared/values.yaml")


@pytest.mark.parametrize(("path", "rule"), [("../outside", "agent/path-outside-repository"),
                                            ("nope", "agent/path-missing")])
def test_a_path_that_is_no_folder_of_the_repository_is_a_finding(repo: Path, path: str,
                                                                 rule: str) -> None:
    write(repo, "apps/a.yaml", application("a", f"  source:\n    repoURL: {HTTPS}\n"
                                                f"    path: {path}\n"))
    result = plan(repo)
    assert agent_targets(result) == {}
    assert [(f.rule_id, f.location.line) for f in result.findings] == [(rule, 9)]


def test_a_remote_chart_is_not_rendered_and_named(repo: Path) -> None:
    spec = ("  source:\n    repoURL: https://charts.bitnami.com/bitnami\n    chart: redis\n"
            "    targetRevision: 18.1.0\n")
    write(repo, "apps/redis.yaml", application("redis", spec))
    (skipped,) = plan(repo).skipped
    assert skipped.group == "not rendered: remote chart"
    assert "redis 18.1.0" in skipped.reason
    assert "charts.bitnami.com/bitnami" in skipped.reason


KUSTOMIZE = f"""\
  source:
    repoURL: {HTTPS}
    path: overlays/prod
    kustomize:
      namePrefix: prod-
      nameSuffix: -v1
      namespace: shop
      images:
        - nginx=registry.example.com/nginx:1.28
        - redis:7.2
      commonLabels:
        team: web
      labelWithoutSelector: true
      commonAnnotations:
        owner: ops
      replicas:
        - name: web
          count: 3
      patches:
        - target: {{kind: Deployment}}
          patch: |-
            - op: replace
              path: /spec/replicas
              value: 2
        - path: patches/extra.yaml
      components:
        - ../../components/tls
  destination:
    namespace: ignored-by-kustomize
"""


def test_a_kustomize_application_carries_its_overrides(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "r")
    write(root, "base/kustomization.yaml", "resources: [deploy.yaml]\n")
    write(root, "base/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n")
    write(root, "overlays/prod/kustomization.yaml", "resources: [../../base]\n")
    write(root, "overlays/prod/patches/extra.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                                                    "metadata:\n  name: web\ndata: {a: b}\n")
    write(root, "components/tls/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n")
    write(root, "apps/shop.yaml", application("shop", KUSTOMIZE))
    result = plan(root)
    target = agent_targets(result)["Application argocd/shop"]
    assert target.kind is TargetKind.KUSTOMIZE
    assert target.path == "overlays/prod"
    options = target.kustomize
    assert options is not None
    assert (options.name_prefix, options.name_suffix, options.namespace) == ("prod-", "-v1", "shop")
    assert options.images == ("nginx=registry.example.com/nginx:1.28", "redis:7.2")
    assert options.labels == {"team": "web"}
    assert options.labels_without_selector
    assert options.annotations == {"owner": "ops"}
    assert options.replicas == ({"name": "web", "count": 3},)
    assert len(options.patches) == 2
    assert options.patches[1] == {"path": "patches/extra.yaml"}
    assert options.components == ("components/tls",)
    assert options.source == ValueSource(path="apps/shop.yaml", index=0,
                                         field=("spec", "source", "kustomize"))
    assert target.namespace == "ignored-by-kustomize"  # where objects naming none are applied
    assert {"apps/shop.yaml", "overlays/prod/kustomization.yaml", "base/kustomization.yaml",
            "base/deploy.yaml", "overlays/prod/patches/extra.yaml",
            "components/tls/kustomization.yaml"} <= set(target.inputs)
    assert [t.name for t in result.targets if t.path == "overlays/prod"] == [target.name]


def test_a_directory_application_chooses_files_as_argo_cd_does(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "r")
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"
    for path in ("manifests/a.yaml", "manifests/b.yml", "manifests/skip-me.yaml",
                 "manifests/sub/c.json", "manifests/sub/deep/d.yaml", "manifests/sub/e.yaml"):
        write(root, path, cm.format(path.replace("/", "-").replace(".", "-")))
    write(root, "manifests/sub/lib.jsonnet", "{}\n")
    write(root, "apps/top.yaml", application("top", f"  source:\n    repoURL: {HTTPS}\n"
                                                    "    path: manifests\n"
                                                    "  destination:\n    namespace: dev\n"))
    write(root, "apps/deep.yaml", application("deep", f"""\
  source:
    repoURL: {HTTPS}
    path: manifests
    directory:
      recurse: true
      include: '{{*.yaml,*.json,*.jsonnet}}'
      exclude: '{{skip-*,sub/deep/*}}'
"""))
    result = plan(root)
    targets = agent_targets(result)
    top, deep = targets["Application argocd/top"], targets["Application argocd/deep"]
    assert top.kind is TargetKind.DIRECTORY
    assert top.directory is not None
    assert top.directory.files == ("manifests/a.yaml", "manifests/b.yml", "manifests/skip-me.yaml")
    assert top.directory.namespace == "dev"
    assert top.namespace == "dev"
    assert deep.directory is not None
    assert deep.directory.files == ("manifests/a.yaml", "manifests/sub/c.json",
                                    "manifests/sub/e.yaml")
    assert (deep.directory.recurse, deep.directory.include) == (True, "{*.yaml,*.json,*.jsonnet}")
    (jsonnet,) = result.skipped
    assert jsonnet.group == "not rendered: Jsonnet is not supported"
    assert "manifests/sub/lib.jsonnet" in jsonnet.reason


def test_the_source_type_is_decided_as_argo_cd_decides_it(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "r")
    chart(root, "both")
    write(root, "both/kustomization.yaml", "resources: []\n")
    src = f"  source:\n    repoURL: {HTTPS}\n    path: both\n"
    write(root, "apps/auto.yaml", application("auto", src))
    write(root, "apps/helm.yaml", application("helm", src + "    helm:\n      releaseName: r\n"))
    write(root, "apps/empty.yaml", application("empty", src + "    helm: {}\n"))
    write(root, "apps/plugin.yaml", application("plugin", src + "    plugin:\n      name: cdk8s\n"))
    write(root, "apps/two.yaml", application("two", src + "    helm: {releaseName: r}\n"
                                                          "    kustomize: {namePrefix: p-}\n"))
    result = plan(root)
    kinds = {name: t.kind for name, t in agent_targets(result).items()}
    assert kinds == {"Application argocd/auto": TargetKind.KUSTOMIZE,
                     "Application argocd/helm": TargetKind.HELM,
                     "Application argocd/empty": TargetKind.KUSTOMIZE}
    assert [s.group for s in result.skipped] == ["not rendered: config management plugin"]
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("agent/multiple-source-types", "apps/two.yaml")]


def test_applications_of_one_name_get_distinct_target_names(repo: Path) -> None:
    spec = f"  source:\n    repoURL: {HTTPS}\n    path: charts/guestbook\n"
    body = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
            f"spec:\n{spec}")
    write(repo, "clusters/a/web.yaml", body)
    write(repo, "clusters/b/web.yaml", body)
    assert sorted(agent_targets(plan(repo))) == ["Application web (clusters/a/web.yaml:1)",
                                                 "Application web (clusters/b/web.yaml:1)"]


@pytest.mark.parametrize(("mode", "read"), [("auto", True), ("argocd", True), ("flux", False),
                                            ("off", False)])
def test_the_agents_setting_chooses_whose_objects_are_read(repo: Path, mode: str,
                                                           read: bool) -> None:
    write(repo, ".gitops-validator.yaml", f"agents: {mode}\n")
    write(repo, "apps/guestbook.yaml", application("guestbook", GUESTBOOK))
    result = plan(repo)
    names = sorted(t.name for t in result.targets if t.path == "charts/guestbook")
    assert names == (["Application argocd/guestbook"] if read else ["charts/guestbook"])
    assert bool(result.agent_documents) is read


def test_diff_knows_the_repository_by_the_working_repository_remotes(tmp_path: Path) -> None:
    """``diff`` renders snapshots without ``.git``: the working repository's remotes are
    passed through, so the Application's chart is rendered through it on both sides."""
    from click.testing import CliRunner  # noqa: PLC0415

    from tests.change.gitrepo import GitRepo  # noqa: PLC0415
    from validator.cli.main import main  # noqa: PLC0415

    repo = GitRepo.init(tmp_path / "repo")
    repo.git("remote", "add", "origin", REMOTE)
    chart(repo.root)
    repo.write("charts/guestbook/values-prod.yaml", "replicaCount: 3\n")
    repo.write("apps/guestbook.yaml", application("guestbook", GUESTBOOK.replace(
        "        - values-eu.yaml\n", "").replace("      fileParameters:\n        - name: config\n"
                                                  "          path: files/config.txt\n", "")))
    base = repo.commit("base")
    repo.write("charts/guestbook/values-prod.yaml", "replicaCount: 4\n")
    repo.commit("more replicas")
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", base, "--no-progress",
                                       "--no-policy", "-o", "json"], catch_exceptions=False)
    document = json.loads(result.output)
    assert {(t["side"], t["name"]) for t in document["targets"]} == {
        ("base", "Application argocd/guestbook"), ("head", "Application argocd/guestbook")}
