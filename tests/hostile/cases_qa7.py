"""Hostile cases of the security QA of the untrusted-repositories work (issue 7).

The outside content lives beside the repository (``folder.parent.parent``: the test's
own temporary folder, never the real ``/etc``) and carries a marker that only a
read outside the repository could put into the report.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.hostile.gallery import hostile

#: In an enum of a schema outside the repository: a finding would quote it.
OUTSIDE_MARKER = "OUTSIDE-SCHEMA-ENUM-QA7"

_WIDGET = """\
apiVersion: example.com/v1
kind: {kind}
metadata: {{name: w}}
spec: {{v: bad}}
"""


def _outside_schemas(folder: Path) -> Path:
    """A folder outside the repository with a schema of ``Widget`` and ``Gadget`` quoting the marker."""
    outside = folder.parent.parent / "outside-schemas" / "example.com"
    outside.mkdir(parents=True, exist_ok=True)
    schema = json.dumps({"type": "object", "properties": {"spec": {
        "type": "object", "properties": {"v": {"enum": [OUTSIDE_MARKER]}}}}})
    for kind in ("widget", "gadget"):
        (outside / f"{kind}_v1.json").write_text(schema)
    return outside


@hostile("schema-dir-files-symlinked-out", expect=("schema/missing",), forbidden=(OUTSIDE_MARKER,))
def schema_dir_files_symlinked_out(folder: Path) -> None:
    """The repository's schemas/ links a file and a group folder to schemas outside it."""
    outside = _outside_schemas(folder)
    schemas = folder.parent / "schemas"
    (schemas / "example.com").mkdir(parents=True)
    (schemas / "example.com" / "widget_v1.json").symlink_to(outside / "widget_v1.json")
    (schemas / "example.org").symlink_to(outside)
    (folder / "widget.yaml").write_text(_WIDGET.format(kind="Widget") + "---\n"
                                        + _WIDGET.format(kind="Gadget").replace("example.com",
                                                                                "example.org"))


@hostile("schema-dir-symlinked-out", expect=("schema/missing",), forbidden=(OUTSIDE_MARKER,))
def schema_dir_symlinked_out(folder: Path) -> None:
    """The repository's schemas/ folder itself is a link to a folder of schemas outside it."""
    outside = _outside_schemas(folder)
    (folder.parent / "schemas").symlink_to(outside.parent)
    (folder / "widget.yaml").write_text(_WIDGET.format(kind="Widget"))


hostile("schema-dir-files-symlinked-out-kubeconform", extra_args=("--schema-engine", "kubeconform"),
        expect=("schema/missing",), forbidden=(OUTSIDE_MARKER,))(schema_dir_files_symlinked_out)


@hostile("python-tag-hides-a-manifest", expect=("load/syntax",))
def python_tag_hides_a_manifest(folder: Path) -> None:
    """A bad Deployment with one ``!!python/str`` tag: kustomize and kubectl apply it (the tag
    is dropped), so it may not be skipped as a tool configuration."""
    (folder / "deploy.yaml").write_text("""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hidden
  annotations: {note: !!python/str hello}
spec:
  replicas: "two"
  selector: {matchLabels: {app: hidden}}
  template:
    metadata: {labels: {app: hidden}}
    spec: {containers: [{name: app, image: nginx:1.27}]}
""")
