"""The report files of ``gitops-validator gitlab-ci`` are written inside the checkout only.

The checkout is the merge request's head: its author decides what is at
``gl-code-quality-report.json``. A symlink committed there (or a folder symlink on the way)
must not make the command write through it to a file outside the project folder (on a shell
executor, the runner user's own files), where the pipeline's configuration is not the
author's to change (a CI configuration kept in another project, a pipeline execution policy).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action.scenario import deployment
from tests.gitlab_ci.scenario import Project

PRIVILEGED = {"apps/web/deploy.yaml": deployment("web", privileged=True)}
ARGS = ("--no-publish", "--policy", "builtin", "--path", "apps")


@pytest.mark.parametrize("link", ["gl-code-quality-report.json", "reports"])
def test_a_symlinked_report_file_is_not_written_through(tmp_path: Path, link: str) -> None:
    project = Project.create(tmp_path)
    project.feature(PRIVILEGED, "privileged web")
    build = project.runner_clone("feature", depth=1)
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "gl-code-quality-report.json"
    victim.write_text("the runner's own file\n")
    # as git checks out a committed symlink
    (build / link).symlink_to(victim if link.endswith(".json") else outside)
    target = link if link.endswith(".json") else f"{link}/gl-code-quality-report.json"
    result = project.run(build, project.environ(build), *ARGS, "--codequality-file", target)
    assert victim.read_text() == "the runner's own file\n"
    assert result.exit_code == 2, result.stderr
    assert "outside the project folder" in result.stderr or "symlink" in result.stderr
