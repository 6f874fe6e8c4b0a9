"""docs/examples/gitlab-ci.yml: valid YAML of the shape GitLab reads, and its script's flags
are the real command's (run with them, --no-publish, in a runner's clone)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from tests.action.scenario import deployment
from tests.gitlab_ci.codequality_check import check_codequality
from tests.gitlab_ci.scenario import Project

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "gitlab-ci.yml"


def _job() -> dict[str, Any]:
    document = yaml.safe_load(EXAMPLE.read_text())
    job: dict[str, Any] = document["gitops-validator"]
    assert job["stage"] in document["stages"]
    return job


def test_example_job_has_what_gitlab_needs() -> None:
    job = _job()
    assert job["image"]["entrypoint"] == [""]
    assert {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'} in job["rules"]
    assert "GIT_DEPTH" in job["variables"]
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"
    command = shlex.split(job["script"][0])
    assert command[:2] == ["gitops-validator", "gitlab-ci"]
    assert reports["codequality"] == command[command.index("--codequality-file") + 1]
    assert reports["junit"] == command[command.index("--junit-file") + 1]


def test_example_script_runs(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    build = project.runner_clone("feature")
    args = shlex.split(_job()["script"][0])[2:]
    result = project.run(build, project.environ(build), "--no-publish", *args)
    assert result.exit_code == 1, result.stderr
    assert check_codequality(result.file(_job()["artifacts"]["reports"]["codequality"]) or "")
    assert result.file(_job()["artifacts"]["reports"]["junit"])


def test_check_and_diff_write_code_quality_too(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    project.origin.git("checkout", "-q", "feature")
    env = project.environ(project.origin.root)
    for command in (("check", "apps"), ("diff", "--base", "main", "apps")):
        out = tmp_path / f"{command[0]}.json"
        result = project.run_command(project.origin.root, env, *command, "--policy", "builtin",
                                     "-o", f"codequality={out}")
        assert result.exit_code == 1, result.stderr
        assert any("privileged" in i["description"] for i in check_codequality(out.read_text()))
