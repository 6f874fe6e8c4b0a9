"""The rendered diff of real kustomize and helm renders of a base and a head checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.render.helpers import render_repo, write
from validator.change.rendered_diff import ObjectChange, rendered_diff

FILES = {
    "kust/base/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "kust/base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                         "data:\n  mode: base\n",
    "kust/prod/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n",
    "kust/prod/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                            "data:\n  mode: prod\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "chart/values.yaml": "password: aHVudGVyMg==\nreplicas: 1\n",
    "chart/templates/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
                                   "data:\n  password: {{ .Values.password }}\n",
    "chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n"
                               "data:\n  replicas: {{ .Values.replicas | quote }}\n",
}


def test_diff_of_real_renders_shows_the_change_without_mapping_noise_or_secrets(
        tmp_path: Path) -> None:
    base = tmp_path / "base"
    for path, text in FILES.items():
        write(base, path, text)
    head = tmp_path / "head"
    shutil.copytree(base, head)
    write(head, "kust/prod/patch.yaml", FILES["kust/prod/patch.yaml"].replace("prod", "live"))
    write(head, "chart/values.yaml", "password: czNjcjN0LW5ldw==\nreplicas: 1\n")
    write(head, "kust/prod/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n")
    write(head, "kust/prod/kustomization.yaml",
          "resources:\n  - ../base\n  - extra.yaml\npatches:\n  - path: patch.yaml\n")
    old, new = render_repo(base), render_repo(head)
    assert not old.findings
    assert not new.findings
    diff = rendered_diff(old.documents, new.documents)
    text = diff.text()
    assert "config.kubernetes.io" not in text  # kustomize's origin annotation
    assert "# Source" not in text  # helm's source comments are not part of a body
    assert "annotations" not in text
    assert "aHVudGVyMg==" not in text
    assert "czNjcjN0LW5ldw==" not in text
    assert "-  password: '<redacted: base value>'\n+  password: '<redacted: head value>'" in text
    assert "-  mode: prod\n+  mode: live" in text
    assert {(i.change, i.resource.name, i.target) for i in diff.objects} == {
        (ObjectChange.MODIFIED, "settings", "kust/prod"),
        (ObjectChange.ADDED, "extra", "kust/prod"),
        (ObjectChange.MODIFIED, "creds", "chart"),
    }
    assert diff.unchanged == 1  # the chart's ConfigMap
