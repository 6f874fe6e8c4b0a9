"""Hostile cases of the security QA of the untrusted-repositories work (issue 7).

The outside content lives beside the repository (``folder.parent.parent``: the test's
own temporary folder, never the real ``/etc``) and carries a marker that only a
read outside the repository could put into the report.
"""

from __future__ import annotations

import contextlib
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


_NESTED: list[list[Path]] = []


def _nest(folder: Path, levels: int) -> Path:
    """``folder/a/a/.../a`` ``levels`` deep (one-letter names: a git checkout holds 2,000).

    Removed after each test by ``remove_nested`` (tests/hostile/conftest.py), deepest
    first: pytest's recursive removal of its temporary folders overflows the stack on them."""
    chain = [folder]
    for _ in range(levels):  # one level at a time: Path.mkdir(parents=True) recurses
        chain.append(chain[-1] / "a")
        chain[-1].mkdir(parents=True, exist_ok=True)
    _NESTED.append(chain[1:])
    return chain[-1]


def remove_nested() -> None:
    """Remove the folders :func:`_nest` made, one level at a time."""
    while _NESTED:
        chain = _NESTED.pop()
        for level in reversed(chain):
            for entry in level.iterdir() if level.is_dir() else ():
                if not entry.is_dir() or entry.is_symlink():
                    entry.unlink()
            with contextlib.suppress(OSError):
                level.rmdir()


@hostile("folders-nested-1200-deep", expect=("load/limit",))
def folders_nested_deep(folder: Path) -> None:
    """1,200 nested folders (2,400 characters of path): a recursive walk overflowed Python's
    stack and the run ended in a traceback with no report."""
    (_nest(folder, 1200) / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: deep}\nspec: {replicas: two}\n")


@hostile("chart-with-folders-nested-1200-deep", expect=("load/limit",))
def chart_with_folders_nested_deep(folder: Path) -> None:
    """The same depth inside a chart (its files are listed by a walk of their own)."""
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: deep\nversion: 0.1.0\n")
    (folder / "templates").mkdir()
    (folder / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n")
    (_nest(folder / "files", 1200) / "x.txt").write_text("x\n")


@hostile("kustomization-with-folders-nested-1200-deep", expect=("load/limit",))
def kustomization_with_folders_nested_deep(folder: Path) -> None:
    """The same depth under a kustomization (the render cache walks its inputs)."""
    (folder / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (folder / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n")
    (_nest(folder / "files", 1200) / "x.txt").write_text("x\n")


@hostile("kustomization-chain-of-1500", expect=("schema/type",))
def kustomization_chain(folder: Path) -> None:
    """1,500 overlays, each the base of the next: mapping the build's files back to their
    kustomizations recursed once per level (an internal error instead of the base's finding)."""
    for level in range(1500):
        overlay = folder / f"l{level}"
        overlay.mkdir()
        resource = f"../l{level - 1}" if level else "deploy.yaml"
        (overlay / "kustomization.yaml").write_text(f"resources: [{resource}]\n")
    (folder / "l0" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: chained}\nspec: {replicas: two}\n")
