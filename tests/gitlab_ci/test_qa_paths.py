"""QA: a ``--path`` that names nothing is an error, not a green gate.

``--path apps/`` is written once into ``.gitlab-ci.yml``; a typo (``--path app``) made every
merge request compare zero files, pass, and set the status ``success``. A path that is in
neither the merge request's head (the checkout) nor its base stops the run with exit 2 naming
the option; a folder the merge request deletes (only in the base) is still compared."""

from __future__ import annotations

from pathlib import Path

from tests.action.scenario import deployment
from tests.gitlab_ci.scenario import Project

ARGS = ("--no-publish", "--policy", "builtin")


def test_a_path_in_neither_revision_stops_the_run(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    build = project.runner_clone("feature")
    result = project.run(build, project.environ(build, token=""), *ARGS, "--path", "app")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "--path" in result.stderr
    assert "'app'" in result.stderr
    assert result.file("gl-code-quality-report.json") is None


def test_a_branch_pipeline_path_not_in_the_checkout_stops_the_run(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    build = project.runner_clone("main")
    result = project.run(build, project.environ(build, iid=None, token=""), *ARGS, "--path", "app")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "'app'" in result.stderr


def test_a_folder_the_merge_request_deletes_is_still_compared(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.origin.git("checkout", "-q", "-b", "feature")
    project.origin.git("rm", "-q", "-r", "apps/api")
    project.origin.commit("drop api")
    project.origin.git("checkout", "-q", "main")
    build = project.runner_clone("feature")
    result = project.run(build, project.environ(build, token=""), *ARGS, "--path", "apps/api")
    assert result.exit_code == 0, result.stderr
