"""Non-regular files (a FIFO named ``*.yaml``) are skipped or refused, never read (a read blocks)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.render.helpers import render_repo, write
from validator.load import load_file
from validator.render import discover_targets
from validator.repo_config import load_repo_config

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def test_a_fifo_among_manifests_is_skipped_with_its_reason(tmp_path: Path) -> None:
    write(tmp_path, "apps/cm.yaml", CONFIGMAP)
    os.mkfifo(tmp_path / "apps" / "pipe.yaml")
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))
    assert plan.ignored["apps/pipe.yaml"] == "not a regular file (a named pipe); not read"
    assert [t.path for t in plan.targets] == ["apps/cm.yaml"]
    result = render_repo(tmp_path)
    assert [d.path for d in result.documents] == ["apps/cm.yaml"]


def test_a_fifo_given_to_the_loader_is_a_finding(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    result = load_file(tmp_path / "pipe.yaml", display_path="pipe.yaml")
    assert [(f.rule_id, f.message) for f in result.findings] == [
        ("load/not-a-file", "not a regular file (a named pipe); not read")]


def test_a_fifo_as_a_render_input_refuses_the_target(tmp_path: Path) -> None:
    write(tmp_path, "k/kustomization.yaml", "resources: [cm.yaml, pipe.yaml]\n")
    write(tmp_path, "k/cm.yaml", CONFIGMAP)
    os.mkfifo(tmp_path / "k" / "pipe.yaml")
    write(tmp_path, "c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
    write(tmp_path, "c/templates/cm.yaml", CONFIGMAP)
    os.mkfifo(tmp_path / "c" / "templates" / "pipe.yaml")
    result = render_repo(tmp_path, jobs=1)
    assert result.documents == ()
    # the kustomization's entry is refused on its line before anything reads it
    assert sorted((f.rule_id, f.location.path, f.location.line) for f in result.findings) == [
        ("render/input-not-a-file", "c/templates/pipe.yaml", 0),
        ("render/kustomization-invalid", "k/kustomization.yaml", 1)]
