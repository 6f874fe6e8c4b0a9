"""One Action run: event -> job -> check run started -> service -> check run completed -> outputs.

The order matters for required checks: the check run is started before anything can fail
and is always completed, with the validator's error when it failed (exit code 2), so a merge
is never left waiting for a check that will not come. What the publisher could not write (no
token, or a read-only one: a pull request from a fork) is shown as workflow-command
annotations on standard output instead, and the log says why. The job summary, the SARIF
file and the step outputs are written in every case.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TextIO

from validator.action.env import ActionEnvironment, ActionInputError, ActionInputs
from validator.action.events import ActionJob, JobKind, job_for_event, read_event
from validator.action.outputs import StepOutputs, append_step_summary, write_outputs, write_sarif
from validator.action.validate import Validation, display_root, error_outcome, validate
from validator.errors import UsageError, ValidatorError
from validator.model import FindingStatus
from validator.report import OutputFormat, RenderOptions, render_report
from validator.report.github import workflow_command
from validator.scm.github.client import connect
from validator.scm.github.publisher import GitHubPublisher, PublishResult, PublishSettings, PublishTarget
from validator.scm.outcome import Outcome

__all__ = ["run_action"]

EXIT_ERROR = 2


@dataclass(frozen=True, kw_only=True)
class _Failed:
    """The validator failed: the error completes the check run, then it is raised again
    (one line and exit 2 for a :class:`ValidatorError`; a traceback for a defect of ours)."""

    error: BaseException


def run_action(environ: Mapping[str, str], *, out: TextIO, log: Callable[[str], None]) -> int:
    """Run the Action for the environment ``environ``; the exit code (the service's, or 2).

    Workflow commands go to ``out`` (standard output); ``log`` takes one line for the job log.
    A :class:`ValidatorError` is raised again after the check run was completed with it.
    """
    try:
        env = ActionEnvironment.from_environ(environ)
    except ActionInputError as exc:
        _report_input_error(environ, exc, out=out, log=log)
        raise
    job = job_for_event(env.event_name, read_event(env.event_path), sha=env.sha)
    log(job.description)
    if job.kind is JobKind.NOTHING:
        return 0
    return _run_job(env, job, out=out, log=log)


def _run_job(env: ActionEnvironment, job: ActionJob, *, out: TextIO, log: Callable[[str], None]) -> int:
    publisher = _publisher(env, job, log)
    clock = {"start": time.monotonic()}
    try:
        if publisher is not None:
            _start(publisher, log)
        clock["validation"] = time.monotonic()
        done: Validation | _Failed = validate(env, job, log=log)
    except (Exception, KeyboardInterrupt) as exc:  # a defect or a cancelled job: still complete
        done = _Failed(error=exc)
    clock["completion"] = time.monotonic()
    outcome = done.outcome if isinstance(done, Validation) else error_outcome(done.error)
    published = publisher.complete(outcome) if publisher is not None else None
    clock["end"] = time.monotonic()
    _fall_back(env, outcome, published, out=out, log=log)
    if "validation" in clock:
        log(f"took {clock['end'] - clock['start']:.2f} s: validation "
            f"{clock['completion'] - clock['validation']:.2f} s, publishing "
            f"{clock['validation'] - clock['start'] + clock['end'] - clock['completion']:.2f} s")
    _leave_outputs(env, outcome, published, out=out, log=log)
    if isinstance(done, _Failed):
        raise done.error
    return done.exit_code


def _publisher(env: ActionEnvironment, job: ActionJob, log: Callable[[str], None]) -> GitHubPublisher | None:
    """The publisher for ``job``; None without a token (the log says what is shown instead)."""
    if not env.inputs.token:
        log("no github-token: no check run or comments; findings are shown as workflow "
            "annotations and in the job summary")
        return None
    session = connect(env.api_url, env.inputs.token, graphql_url=env.graphql_url)
    target = PublishTarget(repository=env.repository, head_sha=job.report_sha,
                           pull_number=job.pull_number, details_url=env.details_url,
                           check_name=env.inputs.check_name)
    settings = PublishSettings(comments=env.inputs.comments, max_comments=env.inputs.max_comments)
    return GitHubPublisher(session, target, settings, log=log)


def _start(publisher: GitHubPublisher, log: Callable[[str], None]) -> None:
    """Mark the check run in progress; a failure here is logged, never fatal: ``complete``
    creates the check run if it is still missing, and reports its own problems."""
    try:
        publisher.start()
    except Exception as exc:  # whatever it was, the run must still complete the check
        log(f"could not mark the check run in progress: {type(exc).__name__}: {exc}")


def _fall_back(env: ActionEnvironment, outcome: Outcome, published: PublishResult | None, *,
               out: TextIO, log: Callable[[str], None]) -> None:
    """Annotations as workflow commands when no check run carries them."""
    if published is not None:
        for problem in published.problems:
            log(f"not published: {problem}")
        if published.degraded and published.check_run_completed:
            log("GitHub refused a write after the check run was completed with every annotation "
                "(the token may write checks, not pull request comments?): nothing is repeated "
                "as workflow annotations; the report is in the job summary")
            return
        if published.degraded:
            log("GitHub refused a write (a read-only token, e.g. a pull request from a fork): "
                "findings are shown as workflow annotations and in the job summary instead")
        elif published.check_run_id is None:
            log("no check run could be created: findings are shown as workflow annotations "
                "and in the job summary instead")
        else:
            return  # the publisher has logged what it posted
    if outcome.error:
        out.write(workflow_command("error", [("title", "gitops-validator failed")], outcome.error) + "\n")
        return
    out.write(render_report(outcome.report, OutputFormat.GITHUB,
                            RenderOptions(display_root=display_root(env))))


def _leave_outputs(env: ActionEnvironment, outcome: Outcome, published: PublishResult | None, *,
                   out: TextIO, log: Callable[[str], None]) -> None:
    """Job summary, SARIF file and step outputs.

    The job summary is for people: one that cannot be written is a warning, never a changed
    verdict, and the outputs later steps read are still written. The SARIF file (asked for
    by an input) and the outputs file stay errors (exit 2)."""
    if env.step_summary is not None:
        try:
            append_step_summary(env.step_summary, outcome.markdown)
        except UsageError as exc:
            log(f"warning: {exc}: the report is in the check run and the log only")
            out.write(workflow_command("warning", [("title", "gitops-validator")], str(exc)) + "\n")
    inputs = env.inputs
    if inputs.sarif_file is not None and not outcome.error:
        write_sarif(inputs.sarif_file, outcome.report, RenderOptions(display_root=display_root(env)),
                    workspace=env.workspace)
    if env.output is None:
        return
    findings = outcome.report.findings
    conclusion = (published.conclusion if published is not None and published.check_run_id
                  else "failure" if outcome.blocking or outcome.error else "success")
    write_outputs(env.output, StepOutputs(
        conclusion=conclusion,
        new=sum(1 for f in findings if f.status in (None, FindingStatus.NEW)),
        existing=sum(1 for f in findings if f.status is FindingStatus.EXISTING),
        fixed=len(outcome.report.fixed),
        sarif_file=(inputs.sarif_file.relative_to(env.workspace).as_posix()
                    if inputs.sarif_file is not None and not outcome.error else "")))


def _report_input_error(environ: Mapping[str, str], error: ActionInputError, *, out: TextIO,
                        log: Callable[[str], None]) -> None:
    """A bad input still completes the event's check run (with the error) when the GitHub
    variables, the token and the event can be read; otherwise there is nothing to report on."""
    try:
        bare = ActionEnvironment.from_environ(
            {k: v for k, v in environ.items() if not k.startswith("INPUT_")})
        job = job_for_event(bare.event_name, read_event(bare.event_path), sha=bare.sha)
    except ValidatorError:
        return
    token = environ.get("INPUT_GITHUB-TOKEN", environ.get("INPUT_GITHUB_TOKEN", "")).strip()
    if job.kind is JobKind.NOTHING:
        return
    env = replace(bare, inputs=ActionInputs(config_root=bare.workspace, token=token))
    publisher = _publisher(env, job, log)
    outcome = error_outcome(error)
    published = None
    if publisher is not None:
        _start(publisher, log)
        published = publisher.complete(outcome)
    _fall_back(env, outcome, published, out=out, log=log)
    _leave_outputs(env, outcome, published, out=out, log=log)
