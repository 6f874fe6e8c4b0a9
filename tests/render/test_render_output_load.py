"""A render output that fails to load is reported on the source of the object, as render output."""

from __future__ import annotations

from pathlib import Path

from tests.render.helpers import render_repo, write

CHART = "apiVersion: v2\nname: c\nversion: 0.1.0\n"


def test_a_refused_document_in_helm_output_points_at_its_template(tmp_path: Path) -> None:
    write(tmp_path, "c/Chart.yaml", CHART)
    write(tmp_path, "c/templates/good.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    deep = "[" * 150 + "]" * 150  # helm accepts it; our depth limit does not
    write(tmp_path, "c/templates/broken.yaml",
          f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: b}}\ndata:\n  a: {deep}\n")
    result = render_repo(tmp_path, jobs=1)
    (finding,) = result.findings
    assert (finding.rule_id, finding.location.path) == ("load/limit", "c/templates/broken.yaml")
    assert "in the output of helm chart c" in finding.message
    assert finding.location.line != 0


def test_duplicate_keys_in_helm_output_point_at_their_template(tmp_path: Path) -> None:
    write(tmp_path, "c/Chart.yaml", CHART)
    write(tmp_path, "c/templates/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    write(tmp_path, "c/templates/dup.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n")
    result = render_repo(tmp_path, jobs=1)
    (finding,) = result.findings
    assert (finding.rule_id, finding.location.path) == ("load/duplicate-key", "c/templates/dup.yaml")
    assert "in the output of helm chart c" in finding.message
