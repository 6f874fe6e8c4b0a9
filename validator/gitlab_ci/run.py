"""One GitLab CI run: variables -> status running -> service -> status, discussions, note -> files.

A merge request pipeline compares the merge request's diff (``diff_validation``, the same
call the GitHub Action and the webhook app make, so the verdict is the same everywhere) and
reports through :class:`~validator.scm.gitlab.publisher.GitLabPublisher`: the commit status
(``target_url`` = the job's page, in the job's pipeline), positioned discussions and the
summary note. Any other pipeline checks its commit and sets the status only.

The commits: GitLab clones with ``GIT_DEPTH`` 20 by default (a shallow clone), so the merge
request's base is often missing; it is fetched by SHA as the Action does
(:func:`~validator.action.history.ensure_commits`), and what cannot be fetched is one error
saying to set ``GIT_DEPTH: 0``.

The exit code is the service's (0, 1); 2 when the validator could not finish, after the
status was completed as ``failed`` with the reason. The report files are written only for a
finished run: an empty Code Quality report would tell GitLab every issue was resolved.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from validator.action.history import ensure_commits
from validator.action.validate import (
    Validation,
    check_validation,
    diff_validation,
    error_outcome,
    option_values,
    relative_paths,
)
from validator.change.git import git, repository_root
from validator.errors import ChangeError
from validator.gitlab_ci.env import TOKEN_VARIABLE, GitLabCIEnvironment, GitLabCIError, GitLabCIOptions
from validator.options import CheckOptions
from validator.report import OutputFormat, RenderOptions, render_report
from validator.report.codequality import render_codequality
from validator.report.junit import render_junit
from validator.scm.gitlab.client import GitLabCallError, GitLabSession
from validator.scm.gitlab.position import DiffRefs
from validator.scm.gitlab.publisher import (
    GitLabPublisher,
    GitLabPublishResult,
    GitLabPublishSettings,
    MergeRequestTarget,
)
from validator.scm.outcome import Outcome
from validator.service import CheckRequest, DiffRequest

__all__ = ["run_gitlab_ci"]

_REFUSED = re.compile(r"\bHTTP 40[13]\b")  # GitLabCallError's wording of a 401 / 403
_DEPTH_ADVICE = ("fetch the full history: set the CI/CD variable `GIT_DEPTH: 0` for this job "
                 "(GitLab clones 20 commits deep by default)")


@dataclass(frozen=True, kw_only=True)
class _Failed:
    """The validator failed: the status is completed with the error, then it is raised again."""

    error: BaseException


def run_gitlab_ci(env: GitLabCIEnvironment, options: GitLabCIOptions, *,
                  log: Callable[[str], None], out: Callable[[str], None]) -> int:
    """Run GitLab CI mode; the exit code (the service's). A :class:`ValidatorError` the run
    hits is raised again after the status was completed with it (exit 2 in the CLI). ``out``
    takes the text report (the job log: the status links to the job's page, and with
    ``--no-publish`` the log is the only place that says what was found)."""
    repo = _checkout(env.project_dir)
    kind = (f"merge request !{env.mr_iid}: comparing {env.diff_base_sha[:12]}..{env.head_sha[:12]}"
            if env.mr_iid is not None else
            f"pipeline without a merge request: checking {env.head_sha[:12]} (status only)")
    log(f"{env.project_path} {kind}")
    session = (GitLabSession(env.instance_url, env.token, on_wait=lambda s: log(
        f"GitLab: retrying in {s:g} s (a rate limit or a server error)")) if options.publish else None)
    try:
        publisher = _publisher(session, env, options, log) if session is not None else None
        if publisher is not None:
            _running(publisher, log)
        try:
            done: Validation | _Failed = _validate(env, options, repo, log)
        except (Exception, KeyboardInterrupt) as exc:  # still complete the status
            done = _Failed(error=exc)
        outcome = done.outcome if isinstance(done, Validation) else error_outcome(done.error)
        if publisher is not None:
            _report_published(publisher.complete(outcome), log)
    finally:
        if session is not None:
            session.close()
    if isinstance(done, _Failed):
        raise done.error
    render = _render_options(env, repo)
    out(render_report(outcome.report, OutputFormat.TEXT, render))
    _write_reports(env.project_dir, options, outcome, render)
    return done.exit_code


def _checkout(project_dir: Path) -> Path:
    try:
        return repository_root(project_dir)
    except ChangeError as exc:
        raise GitLabCIError(f"CI_PROJECT_DIR {project_dir} is not a git checkout ({exc}): the "
                            "job needs the repository (not `GIT_STRATEGY: none`)") from exc


def _publisher(session: GitLabSession, env: GitLabCIEnvironment, options: GitLabCIOptions,
               log: Callable[[str], None]) -> GitLabPublisher:
    """The publisher for this job's commit and, in a merge request pipeline, its merge request
    (positions from the merge request's ``diff_refs``, read from the API)."""
    iid, refs = env.mr_iid, None
    if iid is not None:
        refs = _diff_refs(session, env, iid)
        if refs.head_sha != env.head_sha:
            log(f"merge request !{iid} has moved on to {refs.head_sha[:12]} (a newer push, whose "
                f"pipeline reports there): setting the status on {env.head_sha[:12]} only")
            iid, refs = None, None
    target = MergeRequestTarget(
        project_id=env.project_id, project_path=env.project_path, head_sha=env.head_sha,
        iid=iid, diff_refs=refs, ref=env.status_ref, status_name=options.inputs.check_name,
        target_url=env.job_url, pipeline_id=env.status_pipeline_id,
        mr_project_id=env.mr_project_id if iid is not None else None)
    settings = GitLabPublishSettings(comments=options.inputs.comments,
                                     max_comments=options.inputs.max_comments)
    return GitLabPublisher(session, target, settings, log=log)


def _diff_refs(session: GitLabSession, env: GitLabCIEnvironment, iid: int) -> DiffRefs:
    try:
        data = session.get(f"/projects/{env.merge_request_project_id}/merge_requests/{iid}")
        return DiffRefs.from_api(data.get("diff_refs") if isinstance(data, dict) else None)
    except GitLabCallError as exc:
        hint = (" (is GITOPS_VALIDATOR_GITLAB_TOKEN a token of this project with the api scope?)"
                if exc.forbidden or exc.status == 404 else "")
        project = (env.project_path if env.merge_request_project_id == env.project_id
                   else f"{env.merge_request_project_id} (CI_MERGE_REQUEST_PROJECT_ID)")
        raise GitLabCIError(f"could not read merge request !{iid} of project {project}: {exc}{hint}") from exc
    except ValueError as exc:
        raise GitLabCIError(f"merge request !{iid} has no usable diff_refs: {exc}") from exc


def _running(publisher: GitLabPublisher, log: Callable[[str], None]) -> None:
    """Status ``running``; a failure is logged, never fatal (``complete`` sets the final one)."""
    try:
        publisher.running()
    except Exception as exc:  # whatever it was, the run must still complete the status
        log(f"could not set the status running: {type(exc).__name__}: {exc}")


def _validate(env: GitLabCIEnvironment, options: GitLabCIOptions, repo: Path,
              log: Callable[[str], None]) -> Validation:
    inputs = options.inputs
    markdown = RenderOptions(link_base=f"{env.project_url}/-/blob/{env.head_sha}" if env.project_url else "")
    if env.mr_iid is None:
        ensure_commits(inputs.config_root, [env.head_sha], log=log, advice=_DEPTH_ADVICE)
        _check_paths(options, env, repo, [env.head_sha])
        check_options = CheckOptions.from_mapping(option_values(inputs, env.project_dir, policies_from=None))
        return check_validation(
            CheckRequest(root=inputs.config_root, options=check_options, explicit=inputs.explicit,
                         paths=relative_paths(inputs, env.project_dir, inputs.config_root)),
            repo=repo, head_sha=env.head_sha, block=inputs.block, markdown_options=markdown, log=log)
    ensure_commits(inputs.config_root, [env.diff_base_sha, env.head_sha], log=log, advice=_DEPTH_ADVICE)
    _check_paths(options, env, repo, [env.head_sha, env.diff_base_sha])
    diff_options = CheckOptions.from_mapping(option_values(inputs, env.project_dir, policies_from=repo))
    return diff_validation(DiffRequest(
        folder=inputs.config_root, paths=relative_paths(inputs, env.project_dir, repo),
        base=env.diff_base_sha, head=env.head_sha, block=inputs.block, options=diff_options,
        explicit=inputs.explicit), repo=repo, markdown_options=markdown)


def _check_paths(options: GitLabCIOptions, env: GitLabCIEnvironment, repo: Path, shas: list[str]) -> None:
    """Each ``--path`` names something in one of ``shas`` (the head, and the base of a merge
    request: a folder the merge request deletes is still compared). A typo in the job's
    ``--path`` would otherwise compare nothing and pass every merge request."""
    for path, rel in zip(options.inputs.paths, relative_paths(options.inputs, env.project_dir, repo),
                         strict=True):
        if rel == "." or any(git(repo, "cat-file", "-e", f"{sha}:{rel}", ok_codes=frozenset({0, 1, 128}))
                             .returncode == 0 for sha in shas):
            continue
        where = ("is in neither the merge request's head nor its base" if len(shas) > 1
                 else "is not in the commit checked")
        raise GitLabCIError(f"option `--path`: {path!r} {where} ({', '.join(sha[:12] for sha in shas)}): "
                            "a path that names nothing would check nothing and pass")


def _report_published(result: GitLabPublishResult, log: Callable[[str], None]) -> None:
    """The publisher logged what it posted and each problem; say what the token lacks when
    GitLab refused it, and what still gates the merge."""
    if any(_REFUSED.search(problem) for problem in result.problems):
        log(f"GitLab refused {TOKEN_VARIABLE} (HTTP 401: a token GitLab does not know, revoked or "
            "expired; 403: not allowed): it needs the api scope (read_api or read_repository "
            "cannot set statuses or post discussions) and at least the Developer role in this "
            "project (Maintainer when the source branch is protected)")
    if not result.status_set:
        log(f"the commit status could not be set ({result.state}): this job's exit code still "
            "fails or passes the pipeline")


def _render_options(env: GitLabCIEnvironment, repo: Path) -> RenderOptions:
    """Paths relative to the project folder (GitLab's repository root, where the merge request
    widget resolves the report files' paths)."""
    top = os.path.relpath(repo, env.project_dir)
    return RenderOptions(display_root="" if top == "." else PurePosixPath(Path(top)).as_posix())


def _write_reports(project_dir: Path, options: GitLabCIOptions, outcome: Outcome,
                   render: RenderOptions) -> None:
    """The Code Quality and JUnit files, inside ``project_dir``."""
    for path, reporter in ((options.codequality_file, render_codequality),
                           (options.junit_file, render_junit)):
        if path is None:
            continue
        _write_inside(project_dir, path, reporter(outcome.report, render))


def _write_inside(project_dir: Path, path: Path, text: str) -> None:
    """Write ``text`` to ``path`` only if it stays inside ``project_dir``: the checkout is the
    merge request's head, whose author may have committed a symlink at the report's path (or
    a folder symlink on the way to it); writing through it would change a file outside."""
    root = project_dir.resolve()
    parent = path.parent.resolve()
    if parent != root and root not in parent.parents:
        raise GitLabCIError(f"could not write {path}: its folder leads outside the project folder "
                            f"{root} (a symlink in the checkout): not written")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(parent / path.name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise GitLabCIError(f"could not write {path}: it is a symlink in the checkout (it could "
                                "lead outside the project folder): not written") from exc
        raise GitLabCIError(f"could not write {path}: {exc.strerror or exc}") from exc

