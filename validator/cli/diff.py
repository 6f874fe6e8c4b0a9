"""``gitops-validator diff``: judge a change (base against head), translated into :func:`run_diff`.

The command takes ``check``'s options as they are (same names, defaults and help), so the
two cannot drift apart, plus the revisions, ``--trusted-ref``, ``--block`` and
``--show-diff``. Policy, data and schema paths are read inside the trusted revision,
never from the working directory, so their ``exists`` checks move to the service.
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

import click

from validator.change.block import Block
from validator.change.git import repository_root
from validator.cli.check import _explicit, check
from validator.cli.common import _write_whole as write_whole
from validator.cli.common import errors_exit_2, progress_callback, report_roots
from validator.config import OutputSpec, absolute, parse_outputs
from validator.errors import UsageError
from validator.options import CheckOptions
from validator.report import RenderOptions
from validator.report.diff_report import render_diff_report
from validator.service import DiffRequest, run_diff

#: check's options that mean nothing to diff (the repository is the git working tree).
_NOT_FOR_DIFF = frozenset({"paths", "root"})


def _diff_params() -> list[click.Parameter]:
    params: list[click.Parameter] = [
        click.Argument(["paths"], nargs=-1, type=click.Path(path_type=Path)),
        click.Option(["--base"], metavar="REF", help="The revision the change starts from. "
                     "Default: the merge base of the head and the default branch "
                     "(origin/HEAD, else main, else master)."),
        click.Option(["--head"], metavar="REF", help="The revision under review. Default: HEAD."),
        click.Option(["--worktree"], is_flag=True,
                     help="The head is the working tree with its uncommitted edits."),
        click.Option(["--trusted-ref"], metavar="REF", help="Where policies, Rego data, schemas "
                     "and .gitops-validator.yaml come from. Default: the base (never the head)."),
        click.Option(["--block"], type=click.Choice([b.value for b in Block]), default=Block.NEW.value,
                     show_default=True, help="Findings that decide the exit code with --fail-on: "
                     "new ones only, or all of the head's (new and existing)."),
        click.Option(["--show-diff"], is_flag=True,
                     help="Text output: also the rendered diff of every changed object."),
    ]
    for param in check.params:
        if param.name in _NOT_FOR_DIFF:
            continue
        mine = copy.copy(param)
        if isinstance(mine.type, click.Path) and mine.type.exists:  # read in the trusted revision
            mine.type = click.Path(file_okay=mine.type.file_okay, path_type=Path)
        params.append(mine)
    return params


def _diff(**options: Any) -> None:
    """Check what a change does: only the targets it affects, base against head.

    \b
    Findings of the head are new or existing, the base's that are gone are fixed;
    policies, Rego data, schemas and configuration come from the trusted revision
    (--trusted-ref, default the base), never from the head under review.

    \b
    Exit codes: 0 no blocking finding at or above --fail-on and every head policy test
    passed; 1 otherwise; 2 a usage, git, configuration, policy or tool error.
    """
    ctx = click.get_current_context()
    with errors_exit_2():
        request, outputs, show_diff, color, progress = _request(ctx, options)
        result = run_diff(request, progress=progress_callback(progress))
        roots = report_roots(result.revisions.repo / result.root)
        for spec in outputs:
            to_terminal = spec.path is None and sys.stdout.isatty()
            render = RenderOptions(color=color and to_terminal, display_root=roots.get(spec.format, ""))
            text = render_diff_report(result, spec.format, render, show_diff=show_diff)
            if spec.path is None:
                click.echo(text, nl=not text.endswith("\n"))
            else:
                write_whole(spec.path, text)
    sys.exit(result.exit_code())


def _request(ctx: click.Context, options: dict[str, Any]
             ) -> tuple[DiffRequest, tuple[OutputSpec, ...], bool, bool, bool]:
    """The request, the outputs, ``--show-diff``, colour and progress."""
    folder, paths = _selection(tuple(options.pop("paths")))
    outputs = parse_outputs(options.pop("outputs"), options.pop("output_files"))
    color = options.pop("color")
    if color is None:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    show_diff, progress = bool(options.pop("show_diff")), bool(options.pop("progress"))
    request = DiffRequest(
        folder=folder, paths=paths, base=options.pop("base"), head=options.pop("head"),
        worktree=options.pop("worktree"), trusted_ref=options.pop("trusted_ref"),
        block=Block(options.pop("block")), all_kustomizations=options.pop("all_kustomizations"),
        options=CheckOptions.from_mapping(options), explicit=frozenset(_explicit(ctx)))
    return request, outputs, show_diff, bool(color), progress


def _selection(paths: tuple[Path, ...]) -> tuple[Path, tuple[str, ...]]:
    """The folder git is asked about, and PATHS relative to the top of its working tree."""
    paths = paths or (Path.cwd(),)  # as check: the working directory
    first = absolute(paths[0])
    folder = first if first.is_dir() else first.parent
    top = absolute(repository_root(folder))
    selected = []
    for path in paths:
        full = absolute(path)
        if not full.is_relative_to(top):
            raise UsageError(f"{path} is outside the git working tree {top}")
        selected.append(full.relative_to(top).as_posix() or ".")
    return folder, tuple(selected)


diff = click.Command("diff", callback=_diff, params=_diff_params(), help=_diff.__doc__,
                     context_settings={"show_default": True})
