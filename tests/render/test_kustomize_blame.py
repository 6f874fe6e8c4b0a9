"""A rendered field is blamed on the patch or transformer that last set it, only if it applied."""

from __future__ import annotations

from pathlib import Path

from tests.render.helpers import find, render_repo, write

CONTAINER = ("spec", "template", "spec", "containers", 0)


def deployment(name: str, image: str = "nginx:1.27") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: app
          image: {image}
"""


def test_an_images_entry_is_not_blamed_for_a_sibling_base(tmp_path: Path) -> None:
    write(tmp_path, "a/deploy.yaml", deployment("a"))
    write(tmp_path, "a/kustomization.yaml", "resources:\n  - deploy.yaml\nnamespace: a\n"
          "images:\n  - name: nginx\n    newTag: '1.28'\n")
    write(tmp_path, "b/deploy.yaml", deployment("b", "nginx:latest"))
    write(tmp_path, "b/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    write(tmp_path, "over/kustomization.yaml", "resources:\n  - ../a\n  - ../b\n")
    result = render_repo(tmp_path)
    b = find(result, target="over", kind="Deployment", name="b")
    assert b.body["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:latest"
    image = b.locate((*CONTAINER, "image"))
    assert (image.path, image.line) == ("b/deploy.yaml", 12)
    a = find(result, target="over", kind="Deployment", name="a")
    image = a.locate((*CONTAINER, "image"))
    assert (image.path, image.line) == ("a/kustomization.yaml", 5)
    namespace = a.locate(("metadata", "namespace"))
    assert (namespace.path, namespace.line) == ("a/kustomization.yaml", 3)


def test_a_patched_field_stays_blamed_on_its_patch_after_a_rename(tmp_path: Path) -> None:
    write(tmp_path, "base/deploy.yaml", deployment("web"))
    write(tmp_path, "base/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    write(tmp_path, "over/security.yaml", """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          securityContext:
            privileged: true
""")
    write(tmp_path, "over/kustomization.yaml", """\
resources:
  - ../base
patches:
  - path: security.yaml
  - target: {kind: Deployment, name: web}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/name
        value: main
""")
    result = render_repo(tmp_path)
    web = find(result, target="over", kind="Deployment")
    assert web.body["spec"]["template"]["spec"]["containers"][0]["name"] == "main"
    privileged = web.locate((*CONTAINER, "securityContext", "privileged"))
    assert (privileged.path, privileged.line) == ("over/security.yaml", 11)
    name = web.locate((*CONTAINER, "name"))
    assert (name.path, name.line) == ("over/kustomization.yaml", 9)
    image = web.locate((*CONTAINER, "image"))
    assert (image.path, image.line) == ("base/deploy.yaml", 12)


def test_a_patch_of_a_sibling_base_is_not_blamed(tmp_path: Path) -> None:
    write(tmp_path, "a/deploy.yaml", deployment("web"))
    write(tmp_path, "a/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
          "  name: web\nspec:\n  replicas: 3\n")
    write(tmp_path, "a/kustomization.yaml", "resources:\n  - deploy.yaml\npatches:\n"
          "  - path: replicas.yaml\n")
    write(tmp_path, "b/deploy.yaml", deployment("web").replace("name: web", "name: web-b")
          .replace("  selector", "  replicas: 2\n  selector"))
    write(tmp_path, "b/kustomization.yaml", "resources:\n  - deploy.yaml\n")
    write(tmp_path, "over/kustomization.yaml", "resources:\n  - ../a\n  - ../b\n")
    result = render_repo(tmp_path)
    b = find(result, target="over", kind="Deployment", name="web-b")
    replicas = b.locate(("spec", "replicas"))
    assert (replicas.path, replicas.line) == ("b/deploy.yaml", 6)


def test_a_patch_naming_one_object_is_not_blamed_for_a_longer_named_one(tmp_path: Path) -> None:
    write(tmp_path, "app/web.yaml", deployment("web"))
    write(tmp_path, "app/web-b.yaml", deployment("web-b").replace("  selector",
                                                                 "  replicas: 2\n  selector"))
    write(tmp_path, "app/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
          "  name: web\nspec:\n  replicas: 3\n")
    write(tmp_path, "app/kustomization.yaml", "namePrefix: dev-\nresources:\n  - web.yaml\n"
          "  - web-b.yaml\npatches:\n  - path: replicas.yaml\n  - target: {kind: Deployment, "
          "name: web}\n    patch: |-\n      - op: add\n        path: /spec/paused\n"
          "        value: false\n")
    result = render_repo(tmp_path)
    web_b = find(result, target="app", kind="Deployment", name="dev-web-b")
    replicas = web_b.locate(("spec", "replicas"))
    assert (replicas.path, replicas.line) == ("app/web-b.yaml", 6)
    assert "paused" not in web_b.body["spec"]
    web = find(result, target="app", kind="Deployment", name="dev-web")
    replicas = web.locate(("spec", "replicas"))
    assert (replicas.path, replicas.line) == ("app/replicas.yaml", 6)
    paused = web.locate(("spec", "paused"))
    assert (paused.path, paused.line) == ("app/kustomization.yaml", 11)
