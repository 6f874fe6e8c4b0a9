"""The ``action`` command is registered, and the other commands do not pay for it at start-up."""

from __future__ import annotations

import sys

from click.testing import CliRunner

from tests.action.scenario import REPO_ROOT
from validator.cli.main import main
from validator.process import Command, run


def test_action_is_a_command_of_the_cli() -> None:
    result = CliRunner().invoke(main, ["action", "--help"])
    assert result.exit_code == 0
    assert "GITHUB_" in result.output


def test_the_cli_does_not_import_pygithub_until_action_runs() -> None:
    probe = "import sys, validator.cli.main; print('github' in sys.modules)"
    result = run(Command(args=(sys.executable, "-c", probe), env={"PYTHONPATH": str(REPO_ROOT)}))
    assert result.stdout.decode().strip() == "False"


def test_outside_actions_the_command_says_what_is_missing() -> None:
    result = CliRunner().invoke(main, ["action"], env={"GITHUB_EVENT_NAME": ""})
    assert result.exit_code == 2
    assert "GITHUB_" in result.output
