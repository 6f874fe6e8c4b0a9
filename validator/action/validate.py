"""The job translated into one service call: ``run_diff`` for a change, ``run_check`` for a commit.

Nothing is decided here: the inputs become a :class:`~validator.service.DiffRequest` or
:class:`~validator.service.CheckRequest` the way the CLI's flags do, and the service's
result becomes an :class:`~validator.scm.outcome.Outcome` for the publisher (the exit code is
the service's; the markdown is the markdown reporter's).

Paths: the ``paths`` inputs are workspace-relative; a diff takes them relative to the top of
the git checkout, a check relative to its root (the folder of ``.gitops-validator.yaml``, input
``config``). Report paths are relative to that root; annotations and workflow commands put
the root's place in the checkout in front of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from validator.action.env import ActionEnvironment, ActionInputError
from validator.action.events import ActionJob, JobKind
from validator.action.history import ensure_commits, head_lines_reader, workspace_head
from validator.model import Report
from validator.options import CheckOptions
from validator.report import RenderOptions
from validator.report.markdown import render_markdown
from validator.scm.outcome import Outcome
from validator.service import CheckRequest, DiffRequest, run_check, run_diff

__all__ = ["Validation", "display_root", "validate"]


@dataclass(frozen=True, kw_only=True)
class Validation:
    """The service's answer, as the publisher and the step's outputs need it."""

    outcome: Outcome
    """What the publisher reports."""
    exit_code: int
    """The service's exit code (0 or 1)."""


def validate(env: ActionEnvironment, job: ActionJob, *, log: Callable[[str], None]) -> Validation:
    """Run the service for ``job`` (a diff or a check) with the options of ``env``'s inputs."""
    inputs = env.inputs
    root = inputs.config_root
    if job.kind is JobKind.DIFF:
        repo = ensure_commits(env.workspace, [job.base_sha, job.head_sha], log=log)
        options = CheckOptions.from_mapping(_option_values(env, policies_from=repo))
        result = run_diff(DiffRequest(
            folder=root, paths=_relative(env, repo, "paths"), base=job.base_sha, head=job.head_sha,
            block=inputs.block, options=options, explicit=inputs.explicit))
        report = result.report
        if result.policy_tests is not None:  # failing head policy tests block: show them too
            report = replace(report, findings=report.findings + result.policy_tests.findings)
        markdown = render_markdown(report, _markdown_options(env, repo, job), diff=result.diff)
        return Validation(exit_code=result.exit_code(), outcome=Outcome(
            report=report, blocking=result.exit_code() == 1, markdown=markdown, change=result.change,
            head_lines=_under(head_lines_reader(repo, job.head_sha), _prefix(repo, root))))
    repo = ensure_commits(env.workspace, [job.head_sha], log=log)
    if (at := workspace_head(repo)) != job.head_sha:  # a check reads the files checked out
        log(f"the workspace is not at {job.head_sha[:12]} but at {at[:12]}: checking the "
            f"workspace, reporting on {job.head_sha[:12]}")
    options = CheckOptions.from_mapping(_option_values(env, policies_from=None))
    checked = run_check(CheckRequest(root=root, paths=_relative(env, root, "paths"),
                                     options=options, explicit=inputs.explicit))
    return Validation(exit_code=checked.exit_code(), outcome=Outcome(
        report=checked.report, blocking=checked.exit_code() == 1,
        markdown=render_markdown(checked.report, _markdown_options(env, repo, job)), change=None,
        head_lines=_under(head_lines_reader(repo, job.head_sha), _prefix(repo, root))))


def display_root(env: ActionEnvironment) -> str:
    """The root's place in the checkout, put before report paths in workflow commands and SARIF."""
    relative = os.path.relpath(env.inputs.config_root, env.workspace)
    return "" if relative == "." else PurePosixPath(Path(relative)).as_posix()


def _option_values(env: ActionEnvironment, *, policies_from: Path | None) -> dict[str, object]:
    """The check options the inputs set (the others keep their defaults, and the
    configuration file's values beat those: only ``explicit`` options override it).

    Policy paths are workspace-relative inputs: a diff reads them in the trusted revision,
    relative to the top of the checkout (``policies_from``); a check reads them in place."""
    inputs = env.inputs
    values: dict[str, object] = {}
    if inputs.policies:
        values["policies"] = tuple(
            p if p == "builtin" else
            (os.path.relpath(env.workspace / p, policies_from) if policies_from else
             str(env.workspace / p))
            for p in inputs.policies)
    if inputs.kubernetes_version:
        values["kubernetes_version"] = inputs.kubernetes_version.removeprefix("v")
    if inputs.fail_on is not None:
        values["fail_on"] = inputs.fail_on
    return values


def _relative(env: ActionEnvironment, top: Path, name: str) -> tuple[str, ...]:
    """The ``paths`` inputs relative to ``top``; an input error when one is outside it."""
    chosen = []
    for path in env.inputs.paths:
        full = (env.workspace / path).absolute()
        if not full.is_relative_to(top.absolute()):
            raise ActionInputError(f"input `{name}`: {path!r} is outside {top}")
        chosen.append(full.relative_to(top.absolute()).as_posix() or ".")
    return tuple(chosen)


def _prefix(repo: Path, root: Path) -> str:
    relative = root.absolute().relative_to(repo.absolute()).as_posix()
    return "" if relative == "." else relative + "/"


def _under(read: Callable[[str], Sequence[str] | None], prefix: str
           ) -> Callable[[str], Sequence[str] | None]:
    """``read`` for report paths (relative to the root) when the root is a sub-folder."""
    if not prefix:
        return read
    return lambda path: read(prefix + path)


def _markdown_options(env: ActionEnvironment, repo: Path, job: ActionJob) -> RenderOptions:
    """Findings link to their lines in the reported commit."""
    prefix = _prefix(repo, env.inputs.config_root)
    link = f"{env.server_url}/{env.repository}/blob/{job.head_sha}"
    return RenderOptions(link_base=link + (f"/{quote(prefix.rstrip('/'))}" if prefix else ""))


def empty_report() -> Report:
    """The report of a run that failed before it found anything."""
    return Report(findings=(), resources=0, files=0)
