"""What every command shares: error handling, progress bars, writing reports."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from validator.config import OutputSpec
from validator.errors import UsageError, ValidatorError
from validator.model import Report
from validator.report import OutputFormat, RenderOptions, render_report

ENV = "GITOPS_VALIDATOR_"
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def comma_list(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Accept ``--flag a,b --flag c`` as ``("a", "b", "c")``."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def echo_log(text: str) -> None:
    """``text`` on standard error, every line of it after the ``gitops-validator:`` prefix.

    The Actions runner takes any line of a step's output that starts with ``::`` as a workflow
    command; a message may carry text of the change under review (a file name may hold a
    newline), so no line of it may start the line in the log."""
    for line in text.splitlines() or [""]:
        click.echo(f"gitops-validator: {line}", err=True)


@contextmanager
def errors_exit_2() -> Iterator[None]:
    """Turn a :class:`ValidatorError` into its message on standard error (:func:`echo_log`) and
    exit code 2."""
    try:
        yield
    except ValidatorError as exc:
        echo_log(f"error: {exc}")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("gitops-validator: interrupted", err=True)
        # The run has cleaned up (children killed, temporary root removed): skip the
        # interpreter's teardown, which frees every loaded schema and document one by
        # one and made Ctrl-C take a second or more.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    except Exception:  # a defect of ours: never let it look like "findings" (exit 1)
        echo_log("internal error (a bug; please report it with this output):\n"
                 + traceback.format_exc().rstrip())
        sys.exit(EXIT_ERROR)


def progress_callback(enabled: bool) -> Callable[[str, int, int], None] | None:
    """A progress bar on standard error, only when it is a terminal and not disabled."""
    if not enabled or not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}
    ended: set[str] = set()

    def update(label: str, done: int, total: int) -> None:
        if label in ended:  # a stage's bar ends once; a later report of its end is a no-op
            return
        bar = state.get(label)
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
            bar.__enter__()
            state[label] = bar
        bar.update(done - bar.pos)
        if done >= total:
            ended.add(label)
            bar.__exit__(None, None, None)
            sys.stderr.write("\x1b[1A\x1b[2K")  # the finished bar leaves no line behind
            sys.stderr.flush()

    return update


def report_roots(root: Path | None) -> dict[OutputFormat, str]:
    """What each format puts before repository-relative paths (see ``RenderOptions.display_root``).

    Text: the root seen from the working directory, so terminal paths open. GitHub,
    SARIF and Code Quality: the root seen from the checkout ($GITHUB_WORKSPACE, else the nearest folder
    with a ``.git``), so annotations land on the right files when the validated
    repository is a folder of a larger one.
    """
    if root is None:
        return {}
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or _git_toplevel(root)).resolve()
    checkout = os.path.relpath(root, workspace) if root.is_relative_to(workspace) else "."
    terminal = os.path.relpath(root, Path.cwd())
    return {OutputFormat.TEXT: "" if terminal == "." else terminal,
            OutputFormat.GITHUB: "" if checkout == "." else checkout,
            OutputFormat.SARIF: "" if checkout == "." else checkout,
            OutputFormat.CODEQUALITY: "" if checkout == "." else checkout}


def _git_toplevel(root: Path) -> Path:
    return next((folder for folder in (root, *root.parents) if (folder / ".git").exists()), root)


def write_reports(report: Report, outputs: tuple[OutputSpec, ...], *, color: bool,
                  roots: dict[OutputFormat, str]) -> None:
    """Render every requested output; files are written whole (temp file, then rename)."""
    for spec in outputs:
        to_terminal = spec.path is None and sys.stdout.isatty()
        options = RenderOptions(color=color and to_terminal, display_root=roots.get(spec.format, ""))
        text = render_report(report, spec.format, options)
        if spec.path is None:
            if text:
                click.echo(text, nl=not text.endswith("\n"))
            continue
        _write_whole(spec.path, text)


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: readers see the old file or the whole new one.

    The temporary file is created afresh (``O_EXCL | O_NOFOLLOW``, after removing whatever
    has its name): a checkout of a change under review may hold a link by that name."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory", str(path))
        partial.unlink(missing_ok=True)  # a link: the link itself goes, never its target
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write report to {path}: {exc.strerror or exc}") from exc
