"""action.yml and the adapter agree: every input is read, every output is written, defaults
are what the adapter assumes when an input is empty, and the entry point is the adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.action.scenario import REPO_ROOT
from validator.action.env import INPUT_NAMES, ActionEnvironment
from validator.action.outputs import StepOutputs


def _action() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_input_is_documented_and_read() -> None:
    inputs = _action()["inputs"]
    assert set(inputs) == set(INPUT_NAMES)
    for name, spec in inputs.items():
        assert spec["description"].strip(), name
        assert "default" in spec, name
    assert inputs["github-token"]["default"] == "${{ github.token }}"


def test_the_defaults_mean_what_empty_inputs_mean(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}")
    base = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "octo-org/gitops", "GITHUB_WORKSPACE": str(tmp_path)}
    declared = {f"INPUT_{name.upper()}": str(spec["default"])
                for name, spec in _action()["inputs"].items() if name != "github-token"}
    assert ActionEnvironment.from_environ({**base, **declared}) == ActionEnvironment.from_environ(base)


def test_every_output_is_written() -> None:
    written = {name for name, _ in StepOutputs(conclusion="success", new=0, existing=0, fixed=0).items()}
    assert set(_action()["outputs"]) == written


def test_a_docker_action_running_the_adapter() -> None:
    runs = _action()["runs"]
    assert runs["using"] == "docker"
    assert runs["image"] == "Dockerfile"
    assert [runs["entrypoint"], *runs["args"]] == ["gitops-validator", "action"]
