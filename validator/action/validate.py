"""The job translated into one service call: ``run_diff`` for a change, ``run_check`` for a commit.

Nothing is decided here: the inputs become a :class:`~validator.service.DiffRequest` or
:class:`~validator.service.CheckRequest` the way the CLI's flags do, and the service's
result becomes an :class:`~validator.scm.outcome.Outcome` for the publisher (the exit code is
the service's; the markdown is the markdown reporter's).

Paths: the ``paths`` inputs are workspace-relative; a diff takes them relative to the top of
the git checkout, a check relative to its root (the folder of ``.gitops-validator.yaml``, input
``config``). The service reports paths relative to that root; they are put back in the
checkout's coordinates (:mod:`validator.action.paths`) before anything is published, since
GitHub places annotations and comments by repository paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from validator.action.env import ActionEnvironment, ActionInputError, ActionInputs
from validator.action.events import ActionJob, JobKind
from validator.action.history import checkout_root, ensure_commits, head_lines_reader, workspace_head
from validator.action.paths import at_top
from validator.change.block import Block
from validator.errors import ChangeError, ValidatorError
from validator.model import Report
from validator.options import CheckOptions
from validator.report import RenderOptions
from validator.report.markdown import render_markdown
from validator.scm.outcome import Outcome, no_lines
from validator.service import CheckRequest, DiffReport, DiffRequest, run_check, run_diff

__all__ = ["Validation", "check_validation", "diff_validation", "display_root", "error_outcome",
           "failed_outcome", "option_values", "relative_paths", "validate"]


@dataclass(frozen=True, kw_only=True)
class Validation:
    """The service's answer, as the publisher and the step's outputs need it."""

    outcome: Outcome
    """What the publisher reports."""
    exit_code: int
    """The service's exit code (0 or 1)."""
    diff: DiffReport | None = None
    """``run_diff``'s whole answer for a diff (the rendered diff, the trusted commit)."""


def validate(env: ActionEnvironment, job: ActionJob, *, log: Callable[[str], None]) -> Validation:
    """Run the service for ``job`` (a diff or a check) with the options of ``env``'s inputs."""
    if job.kind is JobKind.DIFF:
        return _diff(env, job, log=log)
    return _check(env, job, log=log)


def _diff(env: ActionEnvironment, job: ActionJob, *, log: Callable[[str], None]) -> Validation:
    inputs = env.inputs
    repo = ensure_commits(inputs.config_root, [job.base_sha, job.head_sha], log=log)
    options = CheckOptions.from_mapping(option_values(inputs, env.workspace, policies_from=repo))
    return diff_validation(DiffRequest(
        folder=inputs.config_root, paths=relative_paths(inputs, env.workspace, repo),
        base=job.base_sha, head=job.head_sha, block=inputs.block, options=options, explicit=inputs.explicit),
        repo=repo, markdown_options=_markdown_options(env, job))


def diff_validation(request: DiffRequest, *, repo: Path, markdown_options: RenderOptions) -> Validation:
    """``run_diff`` for ``request`` (base and head present in the clone ``repo``) and the
    outcome a publisher reports: head policy test failures shown with the findings, paths
    in the repository's coordinates, the markdown report. The Action and the webhook app's
    job both come through here, so a pull request gets the same verdict either way."""
    if request.head is None:
        raise ValueError("a diff for a publisher compares two commits: request.head is required")
    result = run_diff(request)
    report = result.report
    if result.policy_tests is not None:  # failing head policy tests block: show them too
        report = replace(report, findings=report.findings + result.policy_tests.findings)
    report, change = at_top(report, result.change, result.root)  # the root the service chose
    exit_code = result.exit_code()
    markdown = render_markdown(report, markdown_options, diff=result.diff)
    return Validation(exit_code=exit_code, diff=result, outcome=Outcome(
        report=report, blocking=exit_code == 1, markdown=markdown, change=change,
        head_lines=head_lines_reader(repo, request.head), block=request.block))


def error_outcome(error: BaseException) -> Outcome:
    """The outcome of a run that raised ``error`` (a CI job's adapter still publishes it):
    a validator error says itself, an interruption says the job was cancelled, anything
    else is named as the bug it is."""
    match error:
        case ValidatorError():
            reason = str(error)
        case KeyboardInterrupt():
            reason = "the run was interrupted (the job was cancelled)"
        case _:
            reason = f"internal error (a bug; the job log has the details): {type(error).__name__}: {error}"
    return failed_outcome(reason)


def failed_outcome(reason: str) -> Outcome:
    """The outcome of a run the validator could not finish: the check run still completes,
    as a failure saying why."""
    text = f"gitops-validator could not check this change: {reason}"
    return Outcome(report=empty_report(), blocking=True, markdown=f"## gitops-validator failed\n\n{text}\n",
                   change=None, head_lines=no_lines, error=reason, block=Block.NEW)


def _check(env: ActionEnvironment, job: ActionJob, *, log: Callable[[str], None]) -> Validation:
    inputs = env.inputs
    repo = ensure_commits(inputs.config_root, [job.head_sha], log=log)
    options = CheckOptions.from_mapping(option_values(inputs, env.workspace, policies_from=None))
    return check_validation(
        CheckRequest(root=inputs.config_root, options=options, explicit=inputs.explicit,
                     paths=relative_paths(inputs, env.workspace, inputs.config_root)),
        repo=repo, head_sha=job.head_sha, block=inputs.block,
        markdown_options=_markdown_options(env, job), log=log)


def check_validation(request: CheckRequest, *, repo: Path, head_sha: str, block: Block,
                     markdown_options: RenderOptions, log: Callable[[str], None]) -> Validation:
    """``run_check`` of the files checked out in ``repo`` (reported on commit ``head_sha``),
    paths in the repository's coordinates, and the outcome a publisher reports. The Action
    and GitLab CI mode check a commit through here."""
    if (at := workspace_head(repo)) != head_sha:  # a check reads the files checked out
        log(f"the workspace is not at {head_sha[:12]} but at {at[:12]}: checking the "
            f"workspace, reporting on {head_sha[:12]}")
    checked = run_check(request)
    report, _ = at_top(checked.report, None, _prefix(repo, request.root))
    exit_code = checked.exit_code()
    return Validation(exit_code=exit_code, outcome=Outcome(
        report=report, blocking=exit_code == 1, markdown=render_markdown(report, markdown_options),
        change=None, head_lines=head_lines_reader(repo, head_sha), block=block))


def display_root(env: ActionEnvironment) -> str:
    """The checkout's place in the workspace, put before report paths in workflow commands and
    SARIF (empty: the workspace is the checkout, as actions/checkout leaves it by default)."""
    try:
        top = checkout_root(env.inputs.config_root)
    except ChangeError:
        return ""
    relative = os.path.relpath(top, env.workspace)
    return "" if relative == "." else PurePosixPath(Path(relative)).as_posix()


def option_values(inputs: ActionInputs, workspace: Path, *,
                  policies_from: Path | None) -> dict[str, object]:
    """The check options the inputs set (the others keep their defaults, and the
    configuration file's values beat those: only ``explicit`` options override it).

    Policy paths are workspace-relative inputs: a diff reads them in the trusted revision,
    relative to the top of the checkout (``policies_from``); a check reads them in place.
    GitLab CI mode builds the same :class:`ActionInputs` from its flags."""
    values: dict[str, object] = {}
    if inputs.policies:
        values["policies"] = tuple(
            p if p == "builtin" else
            (os.path.relpath(workspace / p, policies_from) if policies_from else
             str(workspace / p))
            for p in inputs.policies)
    if inputs.kubernetes_version:
        values["kubernetes_version"] = inputs.kubernetes_version.removeprefix("v")
    if inputs.fail_on is not None:
        values["fail_on"] = inputs.fail_on
    return values


def relative_paths(inputs: ActionInputs, workspace: Path, top: Path) -> tuple[str, ...]:
    """The ``paths`` inputs relative to ``top``; an input error when one is outside it. A
    path holding all of ``top`` (the default ``.`` when actions/checkout cloned into a
    sub-folder of the workspace, ``path: src``) means all of it."""
    chosen = []
    for path in inputs.paths:
        full = (workspace / path).absolute()
        if top.absolute().is_relative_to(full):
            chosen.append(".")
            continue
        if not full.is_relative_to(top.absolute()):
            raise ActionInputError(f"input `paths`: {path!r} is outside {top}")
        chosen.append(full.relative_to(top.absolute()).as_posix() or ".")
    return tuple(chosen)


def _prefix(repo: Path, root: Path) -> str:
    """The root, relative to the top of the checkout (``""``: the top)."""
    relative = root.resolve().relative_to(repo.resolve()).as_posix()
    return "" if relative == "." else relative


def _markdown_options(env: ActionEnvironment, job: ActionJob) -> RenderOptions:
    """Findings link to their lines in the reported commit (paths are the checkout's)."""
    return RenderOptions(link_base=f"{env.server_url}/{env.repository}/blob/{job.head_sha}")


def empty_report() -> Report:
    """The report of a run that failed before it found anything."""
    return Report(findings=(), resources=0, files=0)
