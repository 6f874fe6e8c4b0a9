"""Hostile cases from the adversarial QA of the real-repositories work (issue 8).

A chart whose ``values.schema.json`` makes helm fetch a URL on the gallery's listener
(a ``$ref``, a ``$schema``, an ``$id`` that relative references resolve against) or
read ``/etc/passwd`` (a ``file:`` reference and a relative one climbing out of the
chart), unpacked and in a packed subchart: each reference is a finding and nothing
connects.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from tests.hostile.cases_helm import PASSWD_MARKER, chart
from tests.hostile.gallery import hostile, listener_url

_TEMPLATE = {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: schema\n"}


@hostile("helm-values-schema-references-leaving-the-chart", expect=("schema/remote-reference",),
         forbidden=(PASSWD_MARKER,))
def values_schema_references(folder: Path) -> None:
    url = listener_url()
    schema = json.dumps({
        "$schema": f"{url}/meta.json",
        "$id": f"{url}/base/",
        "type": "object",
        "properties": {"a": {"$ref": f"{url}/a.json"}, "b": {"$ref": "b.json"},
                       "c": {"$ref": "file:///etc/passwd"},
                       "d": {"$ref": "../../../../../../../../../../etc/passwd"}}}, indent=1)
    root = chart(folder, _TEMPLATE)
    (root / "values.schema.json").write_text(schema)
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as archive:
        for name, text in (("Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
                           ("values.schema.json", schema)):
            info = tarfile.TarInfo(f"sub/{name}")
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
    (root / "charts").mkdir()
    (root / "charts" / "sub-0.1.0.tgz").write_bytes(packed.getvalue())
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: hostile\nversion: 0.1.0\n"
                                     "dependencies:\n  - name: sub\n    version: 0.1.0\n")


@hostile("base-used-only-by-an-unused-component", expect=("schema/type",))
def base_behind_an_unused_component(folder: Path) -> None:
    """A component nothing builds lists a kustomization that builds on a broken base: the base
    must still be built and its schema error reported."""
    (folder / "base").mkdir()
    (folder / "base" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                              "  name: hidden\n  namespace: gallery\ndata: [x]\n")
    (folder / "base" / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n")
    (folder / "mid").mkdir()
    (folder / "mid" / "kustomization.yaml").write_text("resources:\n  - ../base\n")
    (folder / "component").mkdir()
    (folder / "component" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ../mid\n")

