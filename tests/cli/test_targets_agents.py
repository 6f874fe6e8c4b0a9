"""``gitops-validator targets`` for targets Argo CD Applications define: the object, the
options it applied, and the sources it deploys that are not rendered."""

from __future__ import annotations

import json
from pathlib import Path

from tests.agents.repo import HTTPS, OTHER, application, chart, git_repo, write
from tests.cli.test_targets_cli import invoke

GUESTBOOK = f"""\
  source:
    repoURL: {HTTPS}
    path: charts/guestbook
    helm:
      valueFiles: [values-prod.yaml]
      valuesObject:
        replicaCount: 5
      parameters:
        - {{name: image, value: 'nginx:1.28'}}
      skipCrds: true
  destination:
    namespace: guestbook
"""
SHOP = f"""\
  source:
    repoURL: {HTTPS}
    path: overlays/prod
    kustomize:
      namePrefix: prod-
      images: [nginx=nginx:1.28]
      commonLabels: {{team: web}}
  destination:
    namespace: shop
"""


def _repo(tmp_path: Path) -> Path:
    root = git_repo(tmp_path / "repo")
    chart(root)
    write(root, "charts/guestbook/values-prod.yaml", "replicaCount: 3\n")
    write(root, "overlays/prod/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "overlays/prod/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    write(root, "apps/guestbook.yaml", application("guestbook", GUESTBOOK))
    write(root, "apps/shop.yaml", application("shop", SHOP))
    write(root, "apps/other.yaml", application("other", f"  source:\n    repoURL: {OTHER}\n"
                                                        "    path: x\n"))
    return root


def test_text_shows_the_object_and_each_option_it_applied(tmp_path: Path) -> None:
    code, out, _ = invoke("targets", cwd=_repo(tmp_path))
    assert code == 0, out
    lines = out.splitlines()
    start = lines.index("  helm      Application argocd/guestbook release=guestbook "
                        "namespace=guestbook values=[charts/guestbook/values-prod.yaml]")
    assert lines[start + 1:start + 6] == [
        "            Application argocd/guestbook (apps/guestbook.yaml:1)",
        "            values files: charts/guestbook/values-prod.yaml",
        "            inline values: replicaCount (apps/guestbook.yaml spec.source.helm.valuesObject)",
        "            parameters: image=nginx:1.28",
        "            CRDs: skipped"]
    start = lines.index("  kustomize Application argocd/shop")
    assert lines[start + 1:start + 6] == [
        "            Application argocd/shop (apps/shop.yaml:1)",
        "            namespace of objects without one: shop",
        "            namePrefix: prod-",
        "            images: nginx=nginx:1.28",
        "            commonLabels: team=web"]
    start = lines.index("not rendered (1):")
    assert lines[start + 1].startswith("  apps/other.yaml:8: Application argocd/other: source "
                                       f"{OTHER} x is not rendered: it is another repository")


def test_json_holds_the_object_the_options_and_what_is_not_rendered(tmp_path: Path) -> None:
    code, out, _ = invoke("targets", "-o", "json", cwd=_repo(tmp_path))
    assert code == 0, out
    document = json.loads(out)
    targets = {t["name"]: t for t in document["targets"]}
    guestbook = targets["Application argocd/guestbook"]
    assert guestbook["agent"] == {"kind": "Application", "namespace": "argocd",
                                  "name": "guestbook", "path": "apps/guestbook.yaml", "line": 1, "index": 0,
                                  "generated_by": "", "parent": ""}
    helm = guestbook["options"]["helm"]
    assert helm["include_crds"] is False
    assert helm["inline_values"] == [{
        "values": {"replicaCount": 5}, "target_path": "",
        "source": {"path": "apps/guestbook.yaml", "index": 0,
                   "field": ["spec", "source", "helm", "valuesObject"]}}]
    assert targets["Application argocd/shop"]["options"]["kustomize"]["name_prefix"] == "prod-"
    (skipped,) = document["skipped"]
    assert skipped["path"] == "apps/other.yaml:8"
    assert skipped["what"] == "Argo CD Application source"
    assert skipped["group"] == "not rendered: another repository"


def test_json_holds_inline_values_yaml_reads_as_dates_and_binary(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    write(root, "apps/guestbook.yaml", application("guestbook", GUESTBOOK.replace(
        "        replicaCount: 5\n", "        since: 2024-01-01\n        blob: !!binary aGk=\n")))
    code, out, _ = invoke("targets", "-o", "json", cwd=root)
    assert code == 0, out
    targets = {t["name"]: t for t in json.loads(out)["targets"]}
    inline = targets["Application argocd/guestbook"]["options"]["helm"]["inline_values"]
    assert inline[0]["values"] == {"since": "2024-01-01", "blob": "b'hi'"}
