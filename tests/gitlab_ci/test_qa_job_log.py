"""QA: the job log says what was found.

The commit status links to the job's page (``CI_JOB_URL``), and with ``--no-publish`` the log
is the only place a person reads why the job failed; a log that only says "status failed" sends
them hunting through artifacts. The findings are printed as ``check`` / ``diff`` print them:
``path:line:column``, severity, rule, message."""

from __future__ import annotations

from pathlib import Path

from tests.action.scenario import deployment
from tests.gitlab_ci.scenario import Project


def _privileged_line(project: Project, sha: str) -> int:
    text = project.origin.git("show", f"{sha}:apps/web/deploy.yaml")
    return text.splitlines().index("            privileged: true") + 1


def test_the_job_log_lists_each_finding_with_its_file_and_line(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    head = project.feature({"apps/web/deploy.yaml": deployment("web", privileged=True)})
    build = project.runner_clone("feature")
    result = project.run(build, project.environ(build, token=""), "--no-publish", "--policy", "builtin",
                         "--path", "apps")
    assert result.exit_code == 1, result.stderr
    assert f"apps/web/deploy.yaml:{_privileged_line(project, head)}:" in result.stdout
    assert "K8S-001" in result.stdout


def test_a_clean_change_says_so_in_the_log(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web").replace("replicas: 2", "replicas: 3")})
    build = project.runner_clone("feature")
    result = project.run(build, project.environ(build, token=""), "--no-publish", "--policy", "builtin",
                         "--path", "apps")
    assert result.exit_code == 0, result.stderr
    assert "no problems" in result.stdout or "no new" in result.stdout, result.stdout
