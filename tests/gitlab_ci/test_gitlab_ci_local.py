"""``gitops-validator gitlab-ci`` as a subprocess in a runner's shallow clone, without GitLab
(``--no-publish``): the verdict, the report files, the variables' errors. The runs that
publish to the GitLab API test server are in test_gitlab_ci_server.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.action.scenario import deployment
from tests.gitlab_ci.codequality_check import check_codequality
from tests.gitlab_ci.scenario import SECRET, Project

PRIVILEGED = {"apps/web/deploy.yaml": deployment("web", privileged=True)}
ARGS = ("--no-publish", "--policy", "builtin", "--path", "apps")


def test_merge_request_with_a_violation_fails_and_writes_valid_reports(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature(PRIVILEGED, "privileged web")
    build = project.runner_clone("feature", depth=1)  # the base is not in the clone
    result = project.run(build, project.environ(build), *ARGS)
    assert result.exit_code == 1, result.stderr
    assert "fetching" in result.stderr  # the shallow clone lacked the base
    assert "GIT_DEPTH" not in result.stderr
    issues = check_codequality(result.file("gl-code-quality-report.json") or "")
    assert issues
    assert all(i["location"]["path"] == "apps/web/deploy.yaml" for i in issues)
    privileged_line = (build / "apps/web/deploy.yaml").read_text().splitlines().index(
        "            privileged: true") + 1
    assert privileged_line in {i["location"]["lines"]["begin"] for i in issues}
    junit = ET.fromstring(result.file("gitops-validator-junit.xml") or "")  # noqa: S314 (our own output)
    assert int(junit.get("failures", "0")) >= 1


def test_merge_request_without_new_findings_passes_and_reports_the_head(tmp_path: Path) -> None:
    """The existing findings (both sides) do not block (``--block new``), and they are in the
    Code Quality report: GitLab itself compares it with the target branch's."""
    project = Project.create(tmp_path)
    project.feature({"apps/web/deploy.yaml": deployment("web").replace("replicas: 2", "replicas: 3")})
    build = project.runner_clone("feature", depth=1)
    result = project.run(build, project.environ(build), *ARGS, "--junit-file", "")
    assert result.exit_code == 0, result.stderr
    issues = check_codequality(result.file("gl-code-quality-report.json") or "")
    assert issues
    assert "privileged" not in " ".join(i["description"] for i in issues)
    assert result.file("gitops-validator-junit.xml") is None


def test_existing_violation_does_not_block_a_merge_request_that_does_not_touch_it(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.origin.write("apps/api/deploy.yaml", deployment("api", privileged=True))
    project.origin.commit("privileged api on main")
    project.feature({"apps/web/deploy.yaml": deployment("web").replace("replicas: 2", "replicas: 3")})
    build = project.runner_clone("feature", depth=1)
    assert project.run(build, project.environ(build), *ARGS).exit_code == 0


def test_branch_pipeline_checks_the_commit(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.origin.write("apps/api/deploy.yaml", deployment("api", privileged=True))
    project.origin.commit("privileged api on main")
    build = project.runner_clone("main", depth=1)
    result = project.run(build, project.environ(build, iid=None), *ARGS)
    assert result.exit_code == 1, result.stderr
    assert "checking" in result.stderr
    issues = check_codequality(result.file("gl-code-quality-report.json") or "")
    assert {i["location"]["path"] for i in issues} == {"apps/api/deploy.yaml", "apps/web/deploy.yaml"}
    assert any("privileged" in i["description"] for i in issues
               if i["location"]["path"] == "apps/api/deploy.yaml")


def test_missing_variable_exits_2_naming_it_and_never_prints_the_token(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature(PRIVILEGED)
    build = project.runner_clone("feature")
    env = project.environ(build)
    del env["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
    result = project.run(build, env, "--policy", "builtin")
    assert result.exit_code == 2
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA is not set" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert result.file("gl-code-quality-report.json") is None


def test_missing_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature(PRIVILEGED)
    build = project.runner_clone("feature")
    result = project.run(build, project.environ(build, token=""), "--policy", "builtin")
    assert result.exit_code == 2
    assert "GITOPS_VALIDATOR_GITLAB_TOKEN is not set" in result.stderr


def test_base_that_cannot_be_fetched_says_to_set_git_depth(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature(PRIVILEGED)
    build = project.runner_clone("feature")
    env = project.environ(build, extra={"CI_MERGE_REQUEST_DIFF_BASE_SHA": "0" * 40})
    result = project.run(build, env, *ARGS)
    assert result.exit_code == 2
    assert "GIT_DEPTH: 0" in result.stderr
    assert result.file("gl-code-quality-report.json") is None


def test_help_teaches_the_variables_and_the_exit_codes(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    result = project.run(project.origin.root, {"PATH": "/usr/bin:/bin", **project.environ(
        project.origin.root)}, "--help")
    assert result.exit_code == 0
    for text in ("CI_MERGE_REQUEST_IID", "GITOPS_VALIDATOR_GITLAB_TOKEN", "CI_JOB_TOKEN", "GIT_DEPTH",
                 "--codequality-file", "Exit codes"):
        assert text in result.stdout


def test_merged_results_pipeline_compares_the_merge_request_head(tmp_path: Path) -> None:
    """In a merged results pipeline the clone is GitLab's merge commit (CI_COMMIT_SHA); the
    merge request's head is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA, and that is what is compared."""
    project = Project.create(tmp_path)
    head = project.feature(PRIVILEGED, "privileged web")
    base = project.sha("main")
    project.origin.write("apps/other/deploy.yaml", deployment("other"))
    project.origin.commit("main moves on")
    project.origin.git("checkout", "-q", "-b", "merge-train")
    project.origin.git("merge", "-q", "--no-ff", "-m", "merge", "feature")
    project.origin.git("checkout", "-q", "main")
    build = project.runner_clone("merge-train", depth=1)
    env = project.environ(build, extra={"CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head,
                                        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
    result = project.run(build, env, *ARGS)
    assert result.exit_code == 1, result.stderr
    assert f"comparing {base[:12]}..{head[:12]}" in result.stderr
    issues = check_codequality(result.file("gl-code-quality-report.json") or "")
    assert {i["location"]["path"] for i in issues} == {"apps/web/deploy.yaml"}


def test_without_python_gitlab_the_error_says_which_extra(tmp_path: Path) -> None:
    project = Project.create(tmp_path)
    project.feature(PRIVILEGED)
    build = project.runner_clone("feature")
    absent = tmp_path / "no-gitlab" / "gitlab"
    absent.mkdir(parents=True)
    (absent / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'gitlab\'", name="gitlab")\n')
    env = project.environ(build)
    env["PYTHONPATH"] = f"{absent.parent}:{env['PYTHONPATH']}"
    result = project.run(build, env, *ARGS)
    assert result.exit_code == 2
    assert "pip install 'gitops-validator[gitlab]'" in result.stderr
