"""A YAML bomb behind a kustomization or in a chart's values is refused before Go parses it."""

from __future__ import annotations

from pathlib import Path

from validator.load import LoadOptions
from validator.render import RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]"
       for prev, name in zip("abcdefgh", "bcdefghi", strict=True)]) + "\n"


def test_bombs_in_render_inputs_are_refused_with_their_file(tmp_path: Path) -> None:
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "kustomization.yaml").write_text("resources: [bomb.yaml]\n")
    (tmp_path / "k" / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + BOMB)
    (tmp_path / "c" / "templates").mkdir(parents=True)
    (tmp_path / "c" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "c" / "values.yaml").write_text(BOMB)
    (tmp_path / "c" / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))
    result = render_targets(plan, RenderSettings(jobs=1, load_options=LoadOptions()), root=tmp_path)
    assert result.documents == ()
    assert sorted((f.rule_id, f.location.path) for f in result.findings) == [
        ("render/input-limit", "c/values.yaml"), ("render/input-limit", "k/bomb.yaml")]
    assert all("billion laughs" in f.message for f in result.findings)


def test_anchors_within_limits_still_render(tmp_path: Path) -> None:
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "k" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: &l {a: b}}\ndata: *l\n")
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))
    result = render_targets(plan, RenderSettings(jobs=1, load_options=LoadOptions()), root=tmp_path)
    assert result.findings == ()
    assert [d.body["data"] for d in result.documents] == [{"a": "b"}]
