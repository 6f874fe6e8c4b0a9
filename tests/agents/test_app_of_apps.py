"""App of apps: Applications rendered out of an Application's target are read, rendered and
checked (real helm and kustomize), with a depth limit, each read once."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agents.repo import HTTPS, application, git_repo, plan, write
from tests.cli.test_check_cli import invoke
from validator.agents.nested import Followed, follow_applications
from validator.render import RenderSettings, render_targets
from validator.repo_config import load_repo_config

APPS_TEMPLATE = """\
{{- range .Values.apps }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: REPO
    path: {{ .path }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ .name }}
{{- end }}
""".replace("REPO", HTTPS)
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n"


def _apps_chart(root: Path, folder: str, apps: list[tuple[str, str]]) -> None:
    """A chart that templates one Application per ``(name, path)``."""
    write(root, f"{folder}/Chart.yaml", f"apiVersion: v2\nname: {folder.rsplit('/', 1)[-1]}\n"
                                        "version: 0.1.0\n")
    write(root, f"{folder}/values.yaml", "apps:\n" + "".join(
        f"  - {{name: {name}, path: {path}}}\n" for name, path in apps))
    write(root, f"{folder}/templates/apps.yaml", APPS_TEMPLATE)


def _root_app(root: Path, path: str) -> None:
    write(root, "bootstrap/root.yaml", application("root", f"  source:\n    repoURL: {HTTPS}\n"
                                                          f"    path: {path}\n"
                                                          "  destination:\n    namespace: argocd\n"))


def _follow(root: Path) -> Followed:
    targets = plan(root)
    settings = RenderSettings(jobs=2)
    result = render_targets(targets, settings, root=root)
    return follow_applications(targets, result, root=root, config=load_repo_config(root),
                               settings=settings)


def test_applications_a_chart_templates_are_rendered_with_their_parent(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "repo")
    _apps_chart(root, "charts/apps", [("web", "services/web"), ("db", "services/db")])
    write(root, "services/web/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "services/web/cm.yaml", CM.format(name="web"))
    write(root, "services/db/cm.yaml", CM.format(name="db"))
    _root_app(root, "charts/apps")
    followed = _follow(root)
    by_name = {t.name: t for t in followed.targets}
    assert sorted(by_name) == ["Application argocd/db", "Application argocd/web"]
    web = by_name["Application argocd/web"]
    assert web.agent is not None
    assert web.agent.parent == "Application argocd/root"
    assert web.agent.where == "charts/apps/templates/apps.yaml:3"
    assert web.kind.value == "kustomize"
    assert by_name["Application argocd/db"].kind.value == "directory"
    rendered = [d for d in followed.result.documents if d.target == "Application argocd/web"]
    assert [(d.kind, d.resource.name, d.resource.namespace) for d in rendered] == [
        ("ConfigMap", "web", "web")]  # destination.namespace for objects naming none
    assert len(followed.read) == 2


def test_children_in_the_repository_files_are_read_once(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "repo")
    write(root, "apps/kustomization.yaml", "resources: [web.yaml]\n")
    write(root, "apps/web.yaml", application("web", f"  source:\n    repoURL: {HTTPS}\n"
                                                    "    path: services/web\n"
                                                    "  destination:\n    namespace: web\n"))
    write(root, "services/web/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "services/web/cm.yaml", CM.format(name="web"))
    _root_app(root, "apps")
    targets = plan(root)
    assert sorted(t.name for t in targets.targets if t.agent is not None) == [
        "Application argocd/root", "Application argocd/web"]
    followed = _follow(root)
    assert followed.targets == ()  # the child's own file was read already: not read twice
    web = [d for d in followed.result.documents if d.target == "Application argocd/web"]
    assert [(d.resource.name, d.resource.namespace) for d in web] == [("web", "web")]


def test_the_depth_limit_names_the_chain(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "repo")
    # no chart rendered on its own terms: the grandchild is reachable only through the chain
    write(root, ".gitops-validator.yaml", "agent_depth: 1\ntargets:\n  discover: false\n")
    _apps_chart(root, "charts/level1", [("child", "charts/level2")])
    _apps_chart(root, "charts/level2", [("grandchild", "services/deep")])
    write(root, "services/deep/cm.yaml", CM.format(name="deep"))
    _root_app(root, "charts/level1")
    followed = _follow(root)
    assert [t.name for t in followed.targets] == ["Application argocd/child"]
    (limit,) = followed.skipped
    assert limit.path == "charts/level2/templates/apps.yaml:3"
    assert limit.group == "not rendered: deeper than agent_depth"
    assert limit.reason.startswith("Application argocd/root -> Application argocd/child -> "
                                   "Application argocd/grandchild: not rendered")


def test_a_cycle_of_applications_ends(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "repo")
    write(root, ".gitops-validator.yaml", "agent_depth: 10\n")
    _apps_chart(root, "charts/a", [("b", "charts/b")])
    _apps_chart(root, "charts/b", [("root", "charts/a"), ("b", "charts/b")])
    _root_app(root, "charts/a")
    followed = _follow(root)
    assert [t.name for t in followed.targets] == ["Application argocd/b"]
    assert followed.skipped == ()


def test_check_reports_what_nested_applications_deploy(tmp_path: Path) -> None:
    root = git_repo(tmp_path / "repo")
    _apps_chart(root, "charts/apps", [("web", "services/web"), ("gone", "services/gone")])
    write(root, "services/web/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "services/web/cm.yaml", CM.format(name="web"))
    _root_app(root, "charts/apps")
    code, out, _ = invoke("check", ".", "--no-policy", "-o", "json", cwd=root)
    report = json.loads(out)
    problems = [(f["rule_id"], f["path"]) for f in report["findings"]]
    assert ("agent/path-missing", "charts/apps/templates/apps.yaml") in problems
    assert code == 1
    # the rendered child Applications are read, not listed as "not rendered"
    assert not [s for s in report["skipped"] if s["group"] == "not rendered"]


def test_applications_a_chart_of_its_own_renders_are_followed_too(tmp_path: Path) -> None:
    """A chart of Applications applied by hand (no root Application in the repository) is
    rendered on its own terms; the Applications it renders are followed from there."""
    root = git_repo(tmp_path / "repo")
    _apps_chart(root, "charts/apps", [("web", "services/web")])
    write(root, "services/web/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "services/web/cm.yaml", CM.format(name="web"))
    followed = _follow(root)
    (web,) = followed.targets
    assert web.agent is not None
    assert web.agent.parent == "charts/apps"
    assert [d.resource.namespace for d in followed.result.documents
            if d.target == web.name] == ["web"]
