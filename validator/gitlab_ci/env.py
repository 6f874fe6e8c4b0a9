"""What a GitLab CI job is told: the predefined ``CI_*`` variables and the token variable.

Read once, from a mapping (``os.environ`` in the job, a plain dict in the tests), into frozen
values; each missing or malformed variable is one :class:`GitLabCIError` naming it (exit 2)
before anything runs. Variables (https://docs.gitlab.com/ci/variables/predefined_variables/):

- always: ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_PROJECT_DIR``, ``CI_COMMIT_SHA``;
  ``CI_PROJECT_PATH``, ``CI_PROJECT_URL``, ``CI_PIPELINE_ID``, ``CI_JOB_URL``,
  ``CI_COMMIT_REF_NAME`` when set;
- a merge request pipeline (``rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"``):
  ``CI_MERGE_REQUEST_IID`` (of ``CI_MERGE_REQUEST_PROJECT_ID``, the target project: a fork's
  pipeline runs in the fork) and ``CI_MERGE_REQUEST_DIFF_BASE_SHA`` (the merge base the MR's
  diff starts from), ``CI_MERGE_REQUEST_SOURCE_BRANCH_NAME``; in a merged results pipeline
  ``CI_COMMIT_SHA`` is GitLab's temporary merge commit, so the MR's head is
  ``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` (set only there);
- any other pipeline (a branch push, a schedule): no ``CI_MERGE_REQUEST_IID``. The commit
  ``CI_COMMIT_SHA`` is checked (``check``, not ``diff``) and only the commit status is set:
  there is no merge request to discuss on.

The token: ``GITOPS_VALIDATOR_GITLAB_TOKEN``, a project or group access token (or a bot
user's personal token) with the ``api`` scope and at least the Developer role, stored as a
masked CI/CD variable. ``CI_JOB_TOKEN`` cannot be used: GitLab lets a job token call only a
short list of endpoints (https://docs.gitlab.com/ci/jobs/ci_job_token/), and commit statuses
and merge request notes and discussions are not on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from validator.action.env import ActionInputError, ActionInputs, read_inputs
from validator.errors import UsageError

__all__ = ["TOKEN_VARIABLE", "GitLabCIEnvironment", "GitLabCIError", "GitLabCIOptions", "read_options"]

#: The CI/CD variable that holds the token the publisher writes with.
TOKEN_VARIABLE = "GITOPS_VALIDATOR_GITLAB_TOKEN"  # noqa: S105 (a name, not a secret)
DEFAULT_CODEQUALITY_FILE = "gl-code-quality-report.json"
DEFAULT_JUNIT_FILE = "gitops-validator-junit.xml"
_API_SUFFIX = "/api/v4"
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_NUMBER = re.compile(r"[1-9][0-9]{0,17}")
#: The Action's input names that are other flags here.
_FLAGS = {"paths": "path", "check-name": "status-name", "policy": "policy", "config": "config",
          "kubernetes-version": "kubernetes-version", "fail-on": "fail-on", "block": "block",
          "comments": "comments", "max-comments": "max-comments"}


class GitLabCIError(UsageError):
    """A ``CI_*`` variable, the token variable or an option GitLab CI mode cannot use."""


@dataclass(frozen=True, kw_only=True)
class GitLabCIOptions:
    """The command's flags, checked: the Action's inputs (the same checks) plus the files."""

    inputs: ActionInputs
    """Paths, configuration, policies, Kubernetes version, fail-on, block, comments,
    max-comments and the status name (``check_name``), checked as the Action checks them."""
    codequality_file: Path | None
    """Where the Code Quality report is written (absolute, in the project folder); None: not."""
    junit_file: Path | None
    """Where the JUnit report is written (absolute, in the project folder); None: not."""
    publish: bool = True
    """Post the status, discussions and summary (``--no-publish``: the report files only)."""


@dataclass(frozen=True, kw_only=True)
class GitLabCIEnvironment:
    """Everything GitLab CI mode reads from the job's environment."""

    api_url: str
    """``CI_API_V4_URL`` without a trailing slash."""
    project_id: int
    """``CI_PROJECT_ID``."""
    project_path: str
    """``CI_PROJECT_PATH`` (``group/project``), for messages; the id when unset."""
    project_url: str
    """``CI_PROJECT_URL`` (findings link into it); empty: no links."""
    project_dir: Path
    """``CI_PROJECT_DIR``: the checkout."""
    commit_sha: str
    """``CI_COMMIT_SHA``: the commit the job runs on (a merge commit in a merged results pipeline)."""
    mr_iid: int | None
    """``CI_MERGE_REQUEST_IID``; None: not a merge request pipeline."""
    mr_project_id: int | None = None
    """``CI_MERGE_REQUEST_PROJECT_ID``: the merge request's project. A merge request from a fork
    runs its pipeline in the fork (``CI_PROJECT_ID``) while ``CI_MERGE_REQUEST_IID`` is an iid
    of the target project; None: ``project_id``."""
    diff_base_sha: str = ""
    """``CI_MERGE_REQUEST_DIFF_BASE_SHA`` (merge request pipelines)."""
    source_sha: str = ""
    """``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` (merged results pipelines only)."""
    ref: str = ""
    """``CI_MERGE_REQUEST_SOURCE_BRANCH_NAME``, else ``CI_COMMIT_REF_NAME``: the status's ref."""
    mr_ref_path: str = ""
    """``CI_MERGE_REQUEST_REF_PATH`` (``refs/merge-requests/<iid>/head``): a merge request
    pipeline's ``ref``, which a status naming that pipeline must send."""
    pipeline_id: int | None = None
    """``CI_PIPELINE_ID``: the status joins this pipeline."""
    job_url: str | None = None
    """``CI_JOB_URL``: the status's ``target_url``."""
    token: str = field(default="", repr=False)
    """``GITOPS_VALIDATOR_GITLAB_TOKEN`` (never shown)."""

    @property
    def instance_url(self) -> str:
        """The GitLab instance's root (``CI_API_V4_URL`` without ``/api/v4``)."""
        return self.api_url.removesuffix(_API_SUFFIX)

    @property
    def head_sha(self) -> str:
        """The commit reported on: the merge request's head, else the job's commit."""
        return self.source_sha or self.commit_sha

    @property
    def merge_request_project_id(self) -> int:
        """The project whose merge request ``mr_iid`` is (the target, for a fork's pipeline)."""
        return self.mr_project_id or self.project_id

    @property
    def status_pipeline_id(self) -> int | None:
        """The pipeline the status joins: the job's, when the status is on the job's commit. In a
        merged results pipeline the job's pipeline is of GitLab's merge commit, and GitLab
        refuses a status on the head that names it (404 ``Pipeline for pipeline_id, sha and
        ref``): there the status names none, and GitLab adds it to the head's pipeline."""
        return self.pipeline_id if self.head_sha == self.commit_sha else None

    @property
    def status_ref(self) -> str:
        """The status's ``ref``. GitLab finds the pipeline a status joins by sha, ref and
        ``pipeline_id`` together, and a merge request pipeline's ref is
        ``refs/merge-requests/<iid>/head``, not the source branch: with the job's pipeline,
        that ref; otherwise (a branch pipeline, or a merged results one, whose status names no
        pipeline) :attr:`ref`."""
        if self.mr_iid is not None and self.status_pipeline_id is not None:
            return self.mr_ref_path or f"refs/merge-requests/{self.mr_iid}/head"
        return self.ref

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, need_token: bool = True) -> GitLabCIEnvironment:
        """Read and check the environment; :class:`GitLabCIError` names what is wrong."""
        api_url = _required(environ, "CI_API_V4_URL").rstrip("/")
        if not api_url.startswith(("https://", "http://")) or not api_url.endswith(_API_SUFFIX):
            raise GitLabCIError(f"CI_API_V4_URL {api_url!r} is not a GitLab API URL "
                                "(https://gitlab.example.com/api/v4)")
        project_id = _number(environ, "CI_PROJECT_ID", required=True) or 0  # required: never None
        iid = _number(environ, "CI_MERGE_REQUEST_IID", required=False)
        token = environ.get(TOKEN_VARIABLE, "").strip()
        if need_token and not token:
            raise GitLabCIError(
                f"{TOKEN_VARIABLE} is not set: add a project access token (scope api, role "
                "Developer) as a masked CI/CD variable of that name (CI_JOB_TOKEN may not set "
                "commit statuses or post discussions), or pass --no-publish for the report files only")
        return cls(
            api_url=api_url, project_id=project_id,
            project_path=environ.get("CI_PROJECT_PATH", "").strip() or str(project_id),
            project_url=environ.get("CI_PROJECT_URL", "").strip().rstrip("/"),
            project_dir=Path(_required(environ, "CI_PROJECT_DIR")).absolute(),
            commit_sha=_sha(environ, "CI_COMMIT_SHA", required=True),
            mr_iid=iid,
            mr_project_id=_number(environ, "CI_MERGE_REQUEST_PROJECT_ID", required=False) if iid else None,
            diff_base_sha=_sha(environ, "CI_MERGE_REQUEST_DIFF_BASE_SHA", required=iid is not None),
            source_sha=_sha(environ, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", required=False),
            ref=(environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "").strip()
                 or environ.get("CI_COMMIT_REF_NAME", "").strip()),
            mr_ref_path=environ.get("CI_MERGE_REQUEST_REF_PATH", "").strip() if iid else "",
            pipeline_id=_number(environ, "CI_PIPELINE_ID", required=False),
            job_url=environ.get("CI_JOB_URL", "").strip() or None,
            token=token)


def read_options(values: Mapping[str, str], project_dir: Path, *, codequality_file: str,
                 junit_file: str, publish: bool = True) -> GitLabCIOptions:
    """The flags as :class:`GitLabCIOptions`: ``values`` by the Action's input names
    (``fail-on``, ``status-name`` is its ``check-name``); the Action's checks apply, and an
    error names the flag (``--fail-on``)."""
    environ = {f"INPUT_{('check-name' if name == 'status-name' else name).upper()}": value
               for name, value in values.items()}
    try:
        inputs = read_inputs(environ, project_dir)
    except ActionInputError as exc:  # the Action's wording names inputs; here they are flags
        message = str(exc)
        for name, flag in _FLAGS.items():
            message = message.replace(f"input `{name}`", f"option `--{flag}`")
        raise GitLabCIError(message) from None
    return GitLabCIOptions(inputs=inputs, publish=publish,
                           codequality_file=_report_file("codequality-file", codequality_file, project_dir),
                           junit_file=_report_file("junit-file", junit_file, project_dir))


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise GitLabCIError(f"{name} is not set: run this inside a GitLab CI job (or set it as "
                            "GitLab CI does)")
    return value


def _number(environ: Mapping[str, str], name: str, *, required: bool) -> int | None:
    value = _required(environ, name) if required else environ.get(name, "").strip()
    if not value:
        return None
    if not _NUMBER.fullmatch(value):
        raise GitLabCIError(f"{name} {value!r} is not a positive whole number")
    return int(value)


def _sha(environ: Mapping[str, str], name: str, *, required: bool) -> str:
    value = _required(environ, name) if required else environ.get(name, "").strip()
    if value and not _SHA.fullmatch(value):
        raise GitLabCIError(f"{name} {value!r} is not a full commit SHA (40 hexadecimal digits)")
    return value


def _report_file(flag: str, value: str, project_dir: Path) -> Path | None:
    """A report file inside the project folder (GitLab uploads artifacts from there); an
    empty value: not written."""
    if not value:
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise GitLabCIError(f"option `--{flag}`: {value!r} must be a path inside the project "
                            f"folder {project_dir} (relative, without ..): GitLab uploads "
                            "artifacts from there")
    target = project_dir / path
    if value.endswith("/") or path.as_posix() == "." or target.is_dir():
        raise GitLabCIError(f"option `--{flag}`: {value!r} is a folder; name a file")
    return target
