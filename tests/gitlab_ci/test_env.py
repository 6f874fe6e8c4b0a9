"""GitLab CI mode's variables and options: each missing or bad one is an error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.config import FailOn
from validator.gitlab_ci.env import TOKEN_VARIABLE, GitLabCIEnvironment, GitLabCIError, read_options

BASE = "a" * 40
HEAD = "b" * 40


def mr_environ(tmp_path: Path, **changes: str) -> dict[str, str]:
    environ = {
        "CI_API_V4_URL": "https://gitlab.example.com/api/v4", "CI_PROJECT_ID": "14",
        "CI_PROJECT_DIR": str(tmp_path), "CI_COMMIT_SHA": HEAD, "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": BASE, "CI_PIPELINE_ID": "900",
        "CI_JOB_URL": "https://gitlab.example.com/g/p/-/jobs/5", "CI_PROJECT_PATH": "g/p",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature", TOKEN_VARIABLE: "glpat-secret-value",
    }
    environ.update(changes)
    return {k: v for k, v in environ.items() if v != "<unset>"}


def test_merge_request_pipeline(tmp_path: Path) -> None:
    env = GitLabCIEnvironment.from_environ(mr_environ(tmp_path))
    assert (env.project_id, env.mr_iid, env.diff_base_sha, env.head_sha) == (14, 7, BASE, HEAD)
    assert (env.instance_url, env.pipeline_id, env.ref) == ("https://gitlab.example.com", 900, "feature")
    assert "glpat-secret-value" not in repr(env)


def test_merged_results_pipeline_reports_on_the_source_branch_head(tmp_path: Path) -> None:
    source = "c" * 40
    env = GitLabCIEnvironment.from_environ(mr_environ(tmp_path, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=source))
    assert env.head_sha == source


def test_branch_pipeline_has_no_merge_request(tmp_path: Path) -> None:
    env = GitLabCIEnvironment.from_environ(mr_environ(
        tmp_path, CI_MERGE_REQUEST_IID="<unset>", CI_MERGE_REQUEST_DIFF_BASE_SHA="<unset>",
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="<unset>", CI_COMMIT_REF_NAME="main"))
    assert (env.mr_iid, env.diff_base_sha, env.ref) == (None, "", "main")


@pytest.mark.parametrize("name", ["CI_API_V4_URL", "CI_PROJECT_ID", "CI_PROJECT_DIR", "CI_COMMIT_SHA",
                                  "CI_MERGE_REQUEST_DIFF_BASE_SHA", TOKEN_VARIABLE])
def test_missing_variable_is_named(tmp_path: Path, name: str) -> None:
    with pytest.raises(GitLabCIError, match=name):
        GitLabCIEnvironment.from_environ(mr_environ(tmp_path, **{name: "<unset>"}))


@pytest.mark.parametrize(("name", "value"), [
    ("CI_API_V4_URL", "gitlab.example.com"), ("CI_PROJECT_ID", "abc"),
    ("CI_MERGE_REQUEST_IID", "0"), ("CI_COMMIT_SHA", "main"),
    ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "abc123"), ("CI_PIPELINE_ID", "-1"),
])
def test_malformed_variable_is_named(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(GitLabCIError, match=name):
        GitLabCIEnvironment.from_environ(mr_environ(tmp_path, **{name: value}))


def test_no_token_needed_without_publishing(tmp_path: Path) -> None:
    env = GitLabCIEnvironment.from_environ(mr_environ(tmp_path, **{TOKEN_VARIABLE: "<unset>"}),
                                           need_token=False)
    assert env.token == ""


def test_options_use_the_action_checks_and_name_the_flag(tmp_path: Path) -> None:
    options = read_options({"paths": "apps\nbase", "fail-on": "warning", "status-name": "gv"}, tmp_path,
                           codequality_file="gl-code-quality-report.json", junit_file="")
    assert options.inputs.paths == ("apps", "base")
    assert options.inputs.fail_on is FailOn.WARNING
    assert options.inputs.check_name == "gv"
    assert options.codequality_file == tmp_path / "gl-code-quality-report.json"
    assert options.junit_file is None
    with pytest.raises(GitLabCIError, match="option `--kubernetes-version`"):
        read_options({"kubernetes-version": "latest"}, tmp_path, codequality_file="", junit_file="")
    with pytest.raises(GitLabCIError, match="option `--path`"):
        read_options({"paths": "../elsewhere"}, tmp_path, codequality_file="", junit_file="")
    with pytest.raises(GitLabCIError, match="option `--status-name`"):
        read_options({"status-name": "a\nb"}, tmp_path, codequality_file="", junit_file="")


@pytest.mark.parametrize("value", ["/tmp/report.json", "../report.json", "out/", "."])
def test_report_file_must_be_a_file_in_the_project(tmp_path: Path, value: str) -> None:
    with pytest.raises(GitLabCIError, match="--codequality-file"):
        read_options({}, tmp_path, codequality_file=value, junit_file="")
