"""The Action's environment: GitHub's variables and the INPUT_* values, read and checked once."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.action.env import ActionEnvironment, ActionInputError
from validator.change.block import Block
from validator.config import FailOn
from validator.scm.outcome import CommentMode


def _environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text("{}")
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo-org/gitops",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_SHA": "a" * 40,
        **extra,
    }


def test_defaults_when_only_github_variables_are_set(tmp_path: Path) -> None:
    env = ActionEnvironment.from_environ(_environ(tmp_path))
    assert env.api_url == "https://api.github.com"
    assert env.graphql_url is None
    assert env.repository == "octo-org/gitops"
    assert env.workspace == tmp_path
    assert env.step_summary is None
    assert env.output is None
    assert env.details_url is None
    inputs = env.inputs
    assert inputs.paths == (".",)
    assert inputs.policies == ()
    assert inputs.kubernetes_version is None
    assert inputs.fail_on is None
    assert inputs.block is Block.NEW
    assert inputs.comments is CommentMode.REVIEW
    assert inputs.max_comments == 20
    assert inputs.token == ""
    assert inputs.sarif_file is None
    assert inputs.config_root == tmp_path


def test_inputs_with_hyphens_as_github_passes_them(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / ".gitops-validator.yaml").write_text("{}\n")
    env = ActionEnvironment.from_environ(_environ(
        tmp_path, **{"INPUT_FAIL-ON": "warning", "INPUT_KUBERNETES-VERSION": "1.29",
                     "INPUT_MAX-COMMENTS": "5", "INPUT_GITHUB-TOKEN": "t-write",
                     "INPUT_SARIF-FILE": "out/report.sarif", "INPUT_BLOCK": "all",
                     "INPUT_COMMENTS": "summary", "INPUT_PATHS": "apps\n clusters/prod ,infra",
                     "INPUT_POLICY": "builtin, policies", "INPUT_CONFIG": "deploy/.gitops-validator.yaml",
                     "GITHUB_API_URL": "https://ghe.example/api/v3/",
                     "GITHUB_GRAPHQL_URL": "https://ghe.example/api/graphql",
                     "GITHUB_SERVER_URL": "https://ghe.example", "GITHUB_RUN_ID": "42"}))
    inputs = env.inputs
    assert inputs.fail_on is FailOn.WARNING
    assert inputs.kubernetes_version == "1.29"
    assert inputs.max_comments == 5
    assert inputs.token == "t-write"
    assert inputs.sarif_file == tmp_path / "out/report.sarif"
    assert inputs.block is Block.ALL
    assert inputs.comments is CommentMode.SUMMARY
    assert inputs.paths == ("apps", "clusters/prod", "infra")
    assert inputs.policies == ("builtin", "policies")
    assert inputs.config_root == tmp_path / "deploy"
    assert env.api_url == "https://ghe.example/api/v3"
    assert env.graphql_url == "https://ghe.example/api/graphql"
    assert env.details_url == "https://ghe.example/octo-org/gitops/actions/runs/42"


def test_underscore_form_is_accepted_too(tmp_path: Path) -> None:
    env = ActionEnvironment.from_environ(_environ(tmp_path, INPUT_FAIL_ON="info",
                                                  INPUT_MAX_COMMENTS="0"))
    assert env.inputs.fail_on is FailOn.INFO
    assert env.inputs.max_comments == 0


def test_explicit_inputs_are_named(tmp_path: Path) -> None:
    env = ActionEnvironment.from_environ(_environ(tmp_path, **{"INPUT_FAIL-ON": "warning",
                                                               "INPUT_KUBERNETES-VERSION": ""}))
    assert env.inputs.explicit == frozenset({"fail_on"})


@pytest.mark.parametrize(("name", "value", "words"), [
    ("INPUT_FAIL-ON", "sometimes", "fail-on"),
    ("INPUT_BLOCK", "most", "block"),
    ("INPUT_COMMENTS", "loud", "comments"),
    ("INPUT_MAX-COMMENTS", "many", "max-comments"),
    ("INPUT_MAX-COMMENTS", "-1", "max-comments"),
    ("INPUT_KUBERNETES-VERSION", "latest!", "kubernetes-version"),
    ("INPUT_PATHS", "../outside", "paths"),
    ("INPUT_PATHS", "/etc", "paths"),
    ("INPUT_SARIF-FILE", "../x.sarif", "sarif-file"),
    ("INPUT_CONFIG", "missing/", "config"),
    ("INPUT_CONFIG", "settings.yaml", "config"),
])
def test_a_bad_input_is_one_error_naming_it(tmp_path: Path, name: str, value: str, words: str) -> None:
    (tmp_path / "settings.yaml").write_text("{}\n")
    with pytest.raises(ActionInputError) as caught:
        ActionEnvironment.from_environ(_environ(tmp_path, **{name: value}))
    assert f"input `{words}`" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("missing", ["GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY",
                                     "GITHUB_WORKSPACE"])
def test_a_missing_github_variable_is_named(tmp_path: Path, missing: str) -> None:
    environ = _environ(tmp_path)
    del environ[missing]
    with pytest.raises(ActionInputError, match=missing):
        ActionEnvironment.from_environ(environ)


def test_a_repository_that_is_not_owner_slash_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ActionInputError, match="GITHUB_REPOSITORY"):
        ActionEnvironment.from_environ(_environ(tmp_path, GITHUB_REPOSITORY="just-a-name"))


def test_the_token_never_shows_in_the_environment_repr(tmp_path: Path) -> None:
    env = ActionEnvironment.from_environ(_environ(tmp_path, **{"INPUT_GITHUB-TOKEN": "secret-123"}))
    assert "secret-123" not in repr(env)
