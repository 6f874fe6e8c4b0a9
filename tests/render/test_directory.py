"""Argo CD directory sources: which files Argo CD reads, and the objects as it applies them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.render.helpers import write
from validator.render.directory import directory_files
from validator.render.engine import render_target
from validator.render.options import DirectoryOptions
from validator.render.settings import RenderResult, RenderSettings
from validator.render.targets import Target, TargetKind

CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for path in ("app/a.yaml", "app/b.yml", "app/c.json", "app/sub/d.yaml",
                 "app/sub/deeper/e.yaml", "app/env-usw2/f.yaml", "app/.hidden/g.yaml"):
        name = Path(path).stem
        write(repo, path, CONFIG.format(name=name) if not path.endswith(".json") else
              f'{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": "{name}"}}}}')
    write(repo, "app/readme.md", "# not a manifest\n")
    write(repo, "app/lib.jsonnet", "{}\n")
    write(repo, "other/x.yaml", CONFIG.format(name="x"))
    return repo


def test_top_level_only_without_recurse(root: Path) -> None:
    assert directory_files(root, "app", recurse=False, include="", exclude="") == [
        "app/a.yaml", "app/b.yml", "app/c.json"]


def test_recurse_reads_every_folder_below(root: Path) -> None:
    assert directory_files(root, "app", recurse=True, include="", exclude="") == [
        "app/.hidden/g.yaml", "app/a.yaml", "app/b.yml", "app/c.json", "app/env-usw2/f.yaml",
        "app/sub/d.yaml", "app/sub/deeper/e.yaml"]


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    ("*.yaml", "", ["app/.hidden/g.yaml", "app/a.yaml", "app/env-usw2/f.yaml", "app/sub/d.yaml",
                    "app/sub/deeper/e.yaml"]),
    ("{*.yml,*.json}", "", ["app/b.yml", "app/c.json"]),
    ("", "{c.json,env-usw2/*}", ["app/.hidden/g.yaml", "app/a.yaml", "app/b.yml",
                                  "app/sub/d.yaml", "app/sub/deeper/e.yaml"]),
    ("sub/*", "sub/deeper/*", ["app/sub/d.yaml"]),
    ("?.yaml", "", ["app/a.yaml"]),
    ("[ab].*", "", ["app/a.yaml", "app/b.yml"]),
])
def test_include_and_exclude_globs_match_the_path_below_the_folder(
        root: Path, include: str, exclude: str, expected: list[str]) -> None:
    assert directory_files(root, "app", recurse=True, include=include, exclude=exclude) == expected


def test_a_symlink_leaving_the_repository_is_listed_to_be_refused(root: Path,
                                                                  tmp_path: Path) -> None:
    """Argo CD fails the application on it: listed, so that rendering reports it."""
    outside = tmp_path / "outside.yaml"
    outside.write_text(CONFIG.format(name="leak"))
    (root / "app" / "leak.yaml").symlink_to(outside)
    (root / "app" / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    files = directory_files(root, "app", recurse=False, include="", exclude="")
    assert "app/leak.yaml" in files
    assert "app/dangling.yaml" not in files
    result = render(root, tuple(files))
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("render/symlink-escape", "app/leak.yaml")]


def render(root: Path, files: tuple[str, ...], namespace: str = "") -> RenderResult:
    target = Target(kind=TargetKind.DIRECTORY, path="app", name="Application argocd/app",
                    reason="test", inputs=files,
                    directory=DirectoryOptions(files=files, namespace=namespace))
    return render_target(target, root=root, settings=RenderSettings())


def test_files_are_loaded_and_namespaced_objects_land_in_the_destination(root: Path) -> None:
    write(root, "app/objects.yaml", """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
---
apiVersion: v1
kind: Service
metadata:
  name: pinned
  namespace: elsewhere
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
---
apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: global
---
apiVersion: example.com/v1
kind: Gadget
metadata:
  name: local
""")
    result = render(root, ("app/a.yaml", "app/objects.yaml"), namespace="prod")
    assert not result.findings
    namespaces = {(d.kind, d.resource.name): d.body["metadata"].get("namespace")
                  for d in result.documents}
    assert namespaces == {("ConfigMap", "a"): "prod", ("Deployment", "web"): "prod",
                          ("Service", "pinned"): "elsewhere", ("ClusterRole", "reader"): None,
                          ("Namespace", "team"): None,
                          ("CustomResourceDefinition", "widgets.example.com"): None,
                          ("Widget", "global"): None, ("Gadget", "local"): "prod"}
    deployment = next(d for d in result.documents if d.kind == "Deployment")
    assert deployment.target == "Application argocd/app"
    assert (deployment.path, deployment.locate(("spec", "replicas")).line) == (
        "app/objects.yaml", 6)
    assert result.files_read == 2


def test_without_a_destination_namespace_objects_stay_as_written(root: Path) -> None:
    result = render(root, ("app/a.yaml",))
    assert [d.body["metadata"].get("namespace") for d in result.documents] == [None]


def test_a_broken_file_is_a_finding_on_its_line_and_the_others_still_load(root: Path) -> None:
    write(root, "app/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n")
    result = render(root, ("app/a.yaml", "app/broken.yaml"))
    assert [d.resource.name for d in result.documents] == ["a"]
    assert [(f.location.path, f.location.line > 0) for f in result.findings] == [
        ("app/broken.yaml", True)]


def test_a_listed_file_leaving_the_repository_is_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(CONFIG.format(name="leak"))
    (root / "app" / "leak.yaml").symlink_to(outside)
    result = render(root, ("app/leak.yaml",))
    assert not result.documents
    assert [f.rule_id for f in result.findings] == ["render/symlink-escape"]
