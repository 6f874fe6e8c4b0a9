"""What a kustomization references, as the reader sees it: inline plugins, resource files."""

from __future__ import annotations

import os
from pathlib import Path

from tests.render.helpers import render_repo, write

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"


def test_an_inline_plugin_is_refused_as_a_plugin(tmp_path: Path) -> None:
    write(tmp_path, "app/cm.yaml", CM)
    write(tmp_path, "app/kustomization.yaml", """\
resources:
  - cm.yaml
generators:
  - |-
    apiVersion: example.com/v1
    kind: RunAnything
    metadata:
      name: x
transformers:
  - |-
    apiVersion: builtin
    kind: PrefixSuffixTransformer
    metadata:
      name: pre
    prefix: p-
    fieldSpecs:
      - path: metadata/name
""")
    result = render_repo(tmp_path)
    assert [(f.rule_id, f.location.line) for f in result.findings] == [("render/plugin-refused", 4)]
    assert "generators entry 1 is a plugin or KRM function (example.com/v1/RunAnything)" in (
        result.findings[0].message)
    assert "does not exist" not in result.findings[0].message


def test_an_inline_builtin_transformer_is_built(tmp_path: Path) -> None:
    write(tmp_path, "app/cm.yaml", CM)
    write(tmp_path, "app/kustomization.yaml", """\
resources:
  - cm.yaml
transformers:
  - |-
    apiVersion: builtin
    kind: PrefixSuffixTransformer
    metadata:
      name: pre
    prefix: p-
    fieldSpecs:
      - path: metadata/name
""")
    result = render_repo(tmp_path)
    assert result.findings == ()
    assert [d.resource.name for d in result.documents] == ["p-x"]


def test_an_unreadable_inline_plugin_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "app/kustomization.yaml", "transformers:\n  - |-\n    apiVersion: [x\n    kind: Y\n")
    result = render_repo(tmp_path)
    assert [(f.rule_id, f.location.line) for f in result.findings] == [("render/plugin-refused", 2)]


def test_a_named_pipe_reference_is_refused_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    write(tmp_path, "kustomization.yaml", "resources:\n  - pipe.yaml\n")
    result = render_repo(tmp_path)
    assert [(f.rule_id, f.location.line) for f in result.findings] == [
        ("render/kustomization-invalid", 2)]
    assert "is a named pipe" in result.findings[0].message
