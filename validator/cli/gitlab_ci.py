"""``gitops-validator gitlab-ci``: GitLab CI mode's entry point, translated into :func:`run_gitlab_ci`.

The job's ``CI_*`` variables and ``GITOPS_VALIDATOR_GITLAB_TOKEN`` say where to report
(:mod:`validator.gitlab_ci.env`); the flags say what to check, as the Action's inputs do.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from validator.change.block import Block
from validator.cli.common import echo_log, errors_exit_2
from validator.config import FailOn
from validator.errors import UsageError
from validator.scm.markers import DEFAULT_CHECK
from validator.scm.outcome import CommentMode


def _choices(kind: type[FailOn] | type[Block] | type[CommentMode]) -> click.Choice[str]:
    return click.Choice([item.value for item in kind], case_sensitive=False)


@click.command("gitlab-ci")
@click.option("--path", "paths", multiple=True, metavar="PATH",
              help="A file or folder to check, relative to CI_PROJECT_DIR (repeatable; default: all).")
@click.option("--config", default="", metavar="PATH",
              help="The .gitops-validator.yaml to use, or its folder (default: the project's).")
@click.option("--policy", "policies", multiple=True, metavar="PATH",
              help="A Rego policy folder or file, or `builtin` (repeatable; default: the configuration's).")
@click.option("--kubernetes-version", default="", metavar="X.Y",
              help="Kubernetes version to check against (default: the configuration's).")
@click.option("--fail-on", type=_choices(FailOn), default=None,
              help="Lowest severity that fails the job (default: the configuration's, else error).")
@click.option("--block", type=_choices(Block), default=Block.NEW.value, show_default=True,
              help="Merge requests: only the findings the change brings block, or all of the head's.")
@click.option("--comments", type=_choices(CommentMode), default=CommentMode.REVIEW.value,
              show_default=True,
              help="review: discussions on the changed lines and the summary note; summary: the "
                   "note only; off: the commit status only.")
@click.option("--max-comments", default=20, show_default=True, type=click.IntRange(min=0),
              help="Most open discussions for findings.")
@click.option("--status-name", default=DEFAULT_CHECK, show_default=True,
              help="The commit status's name (what a project can require).")
@click.option("--codequality-file", default="gl-code-quality-report.json", show_default=True,
              metavar="FILE", help="Code Quality report, relative to CI_PROJECT_DIR ('' = none).")
@click.option("--junit-file", default="gitops-validator-junit.xml", show_default=True,
              metavar="FILE", help="JUnit report, relative to CI_PROJECT_DIR ('' = none).")
@click.option("--publish/--no-publish", default=True, show_default=True,
              help="Post the status, discussions and summary (--no-publish: report files only, "
                   "no token needed).")
def gitlab_ci(**flags: Any) -> None:
    """Run in a GitLab CI job: report on the merge request (reads CI_* variables).

    \b
    Merge request pipeline (CI_MERGE_REQUEST_IID set): the merge request's change is
    compared (CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA, like `diff`); the commit
    status goes running -> success/failed, blocking findings on changed lines become
    discussions (resolved when fixed), one summary note lists everything.
    Other pipelines: CI_COMMIT_SHA is checked (like `check`), the status only.

    \b
    Variables read: CI_API_V4_URL, CI_PROJECT_ID, CI_PROJECT_DIR, CI_COMMIT_SHA,
    CI_MERGE_REQUEST_IID, CI_MERGE_REQUEST_PROJECT_ID, CI_MERGE_REQUEST_DIFF_BASE_SHA,
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME,
    CI_MERGE_REQUEST_REF_PATH, CI_PIPELINE_ID, CI_JOB_URL, CI_PROJECT_PATH, CI_PROJECT_URL,
    and GITOPS_VALIDATOR_GITLAB_TOKEN: a project access token (scope api, role Developer)
    as a masked CI/CD variable. CI_JOB_TOKEN cannot set statuses or post discussions.
    Shallow clones are deepened by fetching the two commits; if that fails, set
    GIT_DEPTH: 0.

    \b
    Example (.gitlab-ci.yml, docs/gitlab.md has the whole job):
      script: gitops-validator gitlab-ci --path apps/ --fail-on warning
      artifacts: {reports: {codequality: gl-code-quality-report.json,
                            junit: gitops-validator-junit.xml}}

    \b
    Exit codes: 0 nothing blocks; 1 blocking findings; 2 a missing or bad variable or
    option, or the validator failed (the status is set to failed with the reason).
    """
    with errors_exit_2():
        # imported here: python-gitlab's import is slow, which no other command should pay
        from validator.gitlab_ci.env import GitLabCIEnvironment, read_options  # noqa: PLC0415

        try:
            from validator.gitlab_ci.run import run_gitlab_ci  # noqa: PLC0415
        except ModuleNotFoundError as exc:
            if exc.name != "gitlab":
                raise
            raise UsageError("gitlab-ci needs python-gitlab: pip install 'gitops-validator[gitlab]' "
                             "(the container image has it)") from exc

        publish = bool(flags["publish"])
        env = GitLabCIEnvironment.from_environ(os.environ, need_token=publish)
        options = read_options({
            "paths": "\n".join(flags["paths"]), "config": flags["config"],
            "policy": "\n".join(flags["policies"]), "kubernetes-version": flags["kubernetes_version"],
            "fail-on": flags["fail_on"] or "", "block": flags["block"], "comments": flags["comments"],
            "max-comments": str(flags["max_comments"]), "status-name": flags["status_name"],
        }, env.project_dir, codequality_file=flags["codequality_file"],
            junit_file=flags["junit_file"], publish=publish)
        code = run_gitlab_ci(env, options, log=echo_log,
                             out=lambda text: click.echo(text, nl=not text.endswith("\n")))
    sys.stdout.flush()
    sys.exit(code)
