"""``gitops-validator action``: the GitHub Action's entry point, translated into :func:`run_action`.

Everything comes from the environment GitHub Actions sets (``GITHUB_*``, ``INPUT_*``; see
action.yml and docs/action.md); the command has no options of its own.
"""

from __future__ import annotations

import os
import sys

import click

from validator.cli.common import echo_log, errors_exit_2


def _log(line: str) -> None:
    echo_log(line)  # every line prefixed: nothing the change names starts a workflow command


@click.command()
def action() -> None:
    """Run as a GitHub Action step (reads GITHUB_* and INPUT_* variables).

    \b
    pull_request / pull_request_target / merge_group: the change is compared (diff);
    push / workflow_dispatch: the commit is checked. Results go to a check run, review
    comments and a summary comment, the job summary, and the sarif-file input.

    \b
    Exit codes: 0 nothing blocks; 1 blocking findings; 2 a bad input or the validator failed
    (the check run is completed as a failure with the error).
    """
    with errors_exit_2():
        # imported here: PyGithub takes a third of a second to import, which no other
        # command should pay at start-up
        from validator.action.runner import run_action  # noqa: PLC0415

        code = run_action(os.environ, out=sys.stdout, log=_log)
    sys.stdout.flush()
    sys.exit(code)
