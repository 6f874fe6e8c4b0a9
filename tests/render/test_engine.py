"""Rendering a whole plan: parallel and serial agree, limits hold, no secrets reach a render."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.render.helpers import SAMPLE_REPO
from validator.process import Command, run
from validator.render import RenderSettings, TargetKind, discover_targets, engine, render_targets
from validator.render.helm import helm_command
from validator.render.kustomize import kustomize_command
from validator.repo_config import load_repo_config


def test_serial_and_parallel_renders_agree_and_report_progress() -> None:
    the_plan = discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO))
    calls: list[tuple[int, int]] = []
    serial = render_targets(the_plan, RenderSettings(jobs=1), root=SAMPLE_REPO,
                            progress=lambda done, total: calls.append((done, total)))
    parallel = render_targets(the_plan, RenderSettings(jobs=2), root=SAMPLE_REPO)
    assert calls == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]

    def summary(result: object) -> list[tuple[str, str, str, str]]:
        return [(d.target, d.path, str(d.resource), repr(d.body))
                for d in result.documents]  # type: ignore[attr-defined]

    assert summary(serial) == summary(parallel)
    assert len(serial.documents) == 12
    assert (serial.targets, serial.findings) == (5, ())
    assert serial.files_read == 17


def test_output_limit_and_timeout_are_findings() -> None:
    the_plan = discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO))
    small = render_targets(the_plan, RenderSettings(max_output_bytes=64), root=SAMPLE_REPO)
    rendered = [f for f in small.findings if "more than the limit of 64" in f.message]
    assert len(rendered) == 4  # two overlays, two value sets; the plain file is not rendered
    slow = render_targets(the_plan, RenderSettings(timeout=0.001), root=SAMPLE_REPO)
    assert len([f for f in slow.findings if "did not finish within" in f.message]) == 4


@pytest.mark.parametrize("kind", [TargetKind.HELM, TargetKind.KUSTOMIZE])
def test_no_secret_from_the_environment_reaches_a_render(
        kind: TargetKind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_for_renders")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws_not_for_renders")
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", "/home/someone/.config/helm/repositories.yaml")
    settings = RenderSettings()
    if kind is TargetKind.HELM:
        target = next(t for t in discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO))
                      .targets if t.kind is kind)
        command = helm_command(target, root=SAMPLE_REPO, settings=settings, home=tmp_path)
    else:
        command = kustomize_command(tmp_path, settings=settings, home=tmp_path)
    probe: Command = dataclasses.replace(command, args=("env",))
    environment = dict(line.split("=", 1) for line in
                       run(probe).stdout.decode().splitlines() if "=" in line)
    assert "GITHUB_TOKEN" not in environment
    assert "AWS_SECRET_ACCESS_KEY" not in environment
    assert "HELM_REPOSITORY_CONFIG" not in environment
    assert environment["HOME"] == str(tmp_path)
    if kind is TargetKind.HELM:
        for name in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
            assert environment[name].startswith(str(tmp_path))


def test_a_defect_on_one_target_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("surprise")

    monkeypatch.setattr(engine, "render_plain", broken)
    the_plan = discover_targets(SAMPLE_REPO, [], load_repo_config(SAMPLE_REPO))
    result = render_targets(the_plan, RenderSettings(), root=SAMPLE_REPO)
    assert [(f.rule_id, f.location.path) for f in result.findings] == [
        ("render/internal-error", "manifests/namespace.yaml")]
    assert len(result.documents) == 10  # every other target rendered
