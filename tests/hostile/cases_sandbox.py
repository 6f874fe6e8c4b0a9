"""Hostile cases of the subprocess sandbox: memory-hungry renders and network fetch attempts.

Every URL points at a loopback port nothing should listen on: the renders run in a
network namespace of their own, so none is reached; each attempt is a finding.
"""

from __future__ import annotations

from pathlib import Path

from tests.hostile.gallery import hostile

_NOWHERE = "http://127.0.0.1:9"
_CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
_CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n"


def _chart(folder: Path, name: str, template: str, chart_yaml: str | None = None) -> Path:
    chart = folder / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(chart_yaml or _CHART.format(name=name))
    (chart / "templates" / "cm.yaml").write_text(template)
    return chart


@hostile("memory-hungry-template")
def memory_hungry(folder: Path) -> None:
    """The issue's one-liner: 2 GB in one allocation (held helm at 9.6 GB before)."""
    _chart(folder, "hungry", _CONFIGMAP.format(name="hungry")
           + 'data:\n  big: {{ repeat 2000000000 "x" | len | quote }}\n')


@hostile("memory-hungry-template-in-steps")
def memory_hungry_in_steps(folder: Path) -> None:
    """Memory taken a little at a time (a string doubled 40 times), not in one allocation."""
    _chart(folder, "doubling", _CONFIGMAP.format(name="doubling") + """\
data:
  big: {{ $s := "xxxxxxxxxxxxxxxx" }}{{ range until 40 }}{{ $s = printf "%s%s" $s $s }}{{ end -}}
    {{ len $s | quote }}
""")


@hostile("remote-values-schema-ref")
def remote_schema_ref(folder: Path) -> None:
    chart = _chart(folder, "schemaref", _CONFIGMAP.format(name="schemaref"))
    (chart / "values.schema.json").write_text(
        '{"type": "object", "properties": {"a": {"$ref": "' + _NOWHERE + '/schema.json"}}}')
    (chart / "values.yaml").write_text("a: 1\n")


@hostile("remote-chart-dependencies")
def remote_dependencies(folder: Path) -> None:
    _chart(folder, "deps", _CONFIGMAP.format(name="deps"), _CHART.format(name="deps") + f"""\
dependencies:
  - name: oci
    version: 1.0.0
    repository: oci://127.0.0.1:9/charts
  - name: http
    version: 1.0.0
    repository: {_NOWHERE}/charts
""")


@hostile("remote-kustomize-files")
def remote_kustomize_files(folder: Path) -> None:
    (folder / "cm.yaml").write_text(_CONFIGMAP.format(name="k"))
    (folder / "kustomization.yaml").write_text(f"""\
resources:
  - cm.yaml
  - {_NOWHERE}/more.yaml
patches:
  - path: {_NOWHERE}/patch.yaml
configMapGenerator:
  - name: gen
    files:
      - {_NOWHERE}/file.txt
helmCharts:
  - name: chart
    repo: {_NOWHERE}/charts
    version: 1.0.0
openapi:
  path: {_NOWHERE}/openapi.json
""")
