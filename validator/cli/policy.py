"""``gitops-validator policy ...``: working on the policies themselves."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from validator.cli.common import errors_exit_2, write_reports
from validator.config import parse_outputs
from validator.errors import UsageError
from validator.policy import RegoVersion
from validator.policy.library import is_builtin, library_dir
from validator.policy.testing import policy_test_report, run_policy_tests
from validator.report import OutputFormat


class PolicyPath(click.Path):
    """A policy file or folder that exists, or ``builtin``: the bundled library, wherever the
    package is installed (as ``policies: [builtin]`` in the configuration)."""

    def __init__(self) -> None:
        super().__init__(exists=True, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and is_builtin(value):
            try:
                return library_dir()
            except UsageError as exc:
                self.fail(str(exc), param, ctx)
        return super().convert(value, param, ctx)


@click.group()
def policy() -> None:
    """Test Rego policies before they judge anyone's pull request."""


@policy.command("test")
@click.argument("paths", nargs=-1, type=PolicyPath())
@click.option("--coverage-threshold", type=click.FloatRange(0, 100), default=None,
              help="Fail unless the tests cover at least this percentage of the policy lines.")
@click.option("--run", "run_filter", metavar="REGEX", help="Only run tests whose name matches REGEX.")
@click.option("--rego-version", type=click.Choice([v.value for v in RegoVersion]), default="v1",
              show_default=True, help="Rego syntax of the policies.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT[=FILE]",
              help="Report format, repeatable (text, json, sarif, junit, github).")
@click.option("--output-file", "output_files", multiple=True, metavar="FILE",
              help="File for the --output of the same position (repeatable).")
def policy_test(paths: tuple[Path, ...], **options: Any) -> None:
    """Run the Rego unit tests (rules named test_*) under PATHS with opa test.

    \b
    PATHS default to ./policies; builtin stands for the bundled library (its own tests).
    Exit codes: 0 every test passed (and coverage met --coverage-threshold); 1 a test
    failed or errored, coverage fell short, or no test was found (a typo in PATHS or
    --run must not pass); 2 the policies do not compile or opa is missing.
    """
    with errors_exit_2():
        outputs = parse_outputs(options["outputs"], options["output_files"])
        result = run_policy_tests(paths or (Path("policies"),),
                                  coverage_threshold=options["coverage_threshold"],
                                  rego_version=options["rego_version"], run_filter=options["run_filter"])
        report = policy_test_report(result)
        write_reports(report, outputs, color=sys.stdout.isatty() and not os.environ.get("NO_COLOR"),
                      roots={})
        if any(spec.format is OutputFormat.TEXT and spec.path is None for spec in outputs):
            click.echo(result.summary)
    sys.exit(1 if report.findings else 0)
