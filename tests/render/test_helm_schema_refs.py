"""A chart's values.schema.json may not make helm fetch anything (issue 8.2).

``helm template`` validates the values against every ``values.schema.json`` of the
chart and its subcharts, and resolves the schema's ``$ref`` and ``$schema`` URLs on
the way: an ``http`` reference is fetched (a loopback listener sees the request), a
``file:`` or relative one is read from the disk outside the repository. So helm runs
with ``--skip-schema-validation`` and the schema is checked in process, where every such
reference is a ``schema/remote-reference`` finding on its line and is never resolved;
references inside the document (``#/$defs/...``) work as usual. Uses the real helm.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from tests.render.helpers import render_repo, write
from tests.support.listener import loopback_listener
from validator.render import RenderResult

_CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
_TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  x: {{ .Values.x | quote }}\n"


def _chart(root: Path, schema: str, *, folder: str = "charts/web") -> None:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    write(root, f"{folder}/Chart.yaml", _CHART)
    write(root, f"{folder}/values.yaml", "x: 1\n")
    write(root, f"{folder}/templates/cm.yaml", _TEMPLATE)
    write(root, f"{folder}/values.schema.json", schema)


def _refused(result: RenderResult) -> list[tuple[str, int, str]]:
    return sorted((f.location.path, f.location.line, f.rule_id) for f in result.findings)


def test_remote_schema_references_are_findings_and_nothing_connects(tmp_path: Path) -> None:
    with loopback_listener() as listener:
        _chart(tmp_path, f"""\
{{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {{
    "x": {{"$ref": "{listener.url}/x.json"}},
    "y": {{"$ref": "{listener.url.replace('http:', 'https:')}/y.json"}}
  }}
}}
""")
        _chart(tmp_path, f'{{"$schema": "{listener.url}/meta.json", "type": "object"}}\n',
               folder="charts/meta")
        _chart(tmp_path, f"""\
{{
  "$id": "{listener.url}/base/",
  "type": "object",
  "properties": {{"x": {{"$ref": "other.json"}}}}
}}
""", folder="charts/relative")
        result = render_repo(tmp_path)
    assert listener.connections == []
    assert _refused(result) == [
        ("charts/meta/values.schema.json", 1, "schema/remote-reference"),
        ("charts/relative/values.schema.json", 4, "schema/remote-reference"),
        ("charts/web/values.schema.json", 5, "schema/remote-reference"),
        ("charts/web/values.schema.json", 6, "schema/remote-reference")]
    message = next(f.message for f in result.findings if f.location.line == 5)
    assert f"'{listener.url}/x.json'" in message


def test_file_references_are_refused_unread(tmp_path: Path) -> None:
    secret = write(tmp_path / "outside", "token.json", '{"const": "SECRET-FROM-OUTSIDE"}')
    repo = tmp_path / "repo"
    _chart(repo, f'{{"type": "object", "properties": {{"x": {{"$ref": "file://{secret}"}},\n'
                 f'"y": {{"$ref": "../../../../../../../../{secret}"}}}}}}\n')
    result = render_repo(repo)
    assert _refused(result) == [("charts/web/values.schema.json", 1, "schema/remote-reference"),
                                ("charts/web/values.schema.json", 2, "schema/remote-reference")]
    assert "SECRET-FROM-OUTSIDE" not in repr(result)


def test_references_inside_the_document_and_standard_meta_schemas_render(tmp_path: Path) -> None:
    _chart(tmp_path, json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"count": {"type": "integer"}},
        "type": "object",
        "properties": {"x": {"$ref": "#/$defs/count"}}}))
    result = render_repo(tmp_path)
    assert result.findings == ()
    assert [d.kind for d in result.documents] == ["ConfigMap"]
    write(tmp_path, "charts/web/values.yaml", "x: not-a-number\n")  # the schema still applies
    assert [f.rule_id for f in render_repo(tmp_path).findings] == ["schema/values"]


def test_a_subchart_schema_is_screened_too_unpacked_or_packed(tmp_path: Path) -> None:
    with loopback_listener() as listener:
        schema = f'{{"type": "object",\n "properties": {{"x": {{"$ref": "{listener.url}/s.json"}}}}}}\n'
        _chart(tmp_path, "{}", folder="charts/web")
        write(tmp_path, "charts/web/Chart.yaml", _CHART + "dependencies:\n  - name: sub\n"
              "    version: 0.1.0\n  - name: packed\n    version: 0.1.0\n")
        _chart(tmp_path, schema, folder="charts/web/charts/sub")
        write(tmp_path, "charts/web/charts/sub/Chart.yaml", _CHART.replace("web", "sub"))
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            for name, text in (("Chart.yaml", _CHART.replace("web", "packed")), ("values.yaml", "x: 1\n"),
                               ("values.schema.json", schema), ("templates/cm.yaml", _TEMPLATE)):
                data = text.encode()
                info = tarfile.TarInfo(f"packed/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        (tmp_path / "charts/web/charts/packed-0.1.0.tgz").write_bytes(archive.getvalue())
        result = render_repo(tmp_path)
    assert listener.connections == []
    assert _refused(result) == [
        ("charts/web/charts/packed-0.1.0.tgz", 0, "schema/remote-reference"),
        ("charts/web/charts/sub/values.schema.json", 2, "schema/remote-reference")]
