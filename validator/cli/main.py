"""The ``gitops-validator`` command group: argv -> request -> service -> reporters -> exit code.

Nothing in ``validator/cli/`` decides anything about manifests: ``check``, ``diff`` and
``render`` translate flags into a request of :mod:`validator.service` (``run_check``,
``run_diff``, ``run_render``), write the reports, and map errors to exit code 2 with one line on
standard error. The process holds one :class:`~validator.lifecycle.Lifecycle` for the
command's life.
"""

from __future__ import annotations

import logging
import sys

import click

from validator import __version__
from validator.cli.action import action
from validator.cli.check import check, targets
from validator.cli.diff import diff
from validator.cli.gitlab_ci import gitlab_ci
from validator.cli.policy import policy
from validator.cli.reconcile import reconcile_command
from validator.cli.render import render
from validator.cli.serve import serve, worker
from validator.lifecycle import Lifecycle
from validator.tools import describe_tools


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="gitops-validator")
@click.option("-v", "--verbose", count=True, help="More logging on standard error (-vv for debug).")
def main(verbose: int) -> None:
    """Validate the Kubernetes manifests of a GitOps repository before they merge.

    \b
    Renders plain YAML, Kustomize overlays and Helm charts the way Argo CD or Flux
    would, checks every object against Kubernetes and CRD JSON schemas and Rego
    policies (OPA), and reports each problem at the file and line to fix.

    \b
    Examples:
      gitops-validator check .                     # everything under the current repo
      gitops-validator check apps/ --strict -o sarif=report.sarif -o text
      gitops-validator check . --policy policies/ --namespace 'k8s.*'
      gitops-validator diff --base origin/main      # only what a change affects
      gitops-validator render . --target NAME       # the YAML a target renders to
      gitops-validator policy test policies/
      gitops-validator serve --config app.yaml      # the GitHub App's webhook server
      gitops-validator gitlab-ci                    # in a GitLab CI job (merge requests)
      gitops-validator version                     # versions of the tools in use
    """
    # one process, one lifecycle: signal handlers and the exit hook installed once, for
    # every job of the command (validator.lifecycle)
    click.get_current_context().with_resource(Lifecycle().hold())
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if verbose < 2:  # the HTTP client's connection-pool chatter is not the user's business
        logging.getLogger("urllib3").setLevel(logging.ERROR)


@main.command()
def version() -> None:
    """Print the version of gitops-validator and of each external tool it uses."""
    click.echo(f"gitops-validator {__version__}")
    for info in describe_tools():
        where = str(info.path) if info.path else "-"
        click.echo(f"{info.tool.value:<12} {info.version:<14} {where}")


main.add_command(check)
main.add_command(targets)
main.add_command(render)
main.add_command(policy)
main.add_command(reconcile_command)
main.add_command(diff)
main.add_command(action)
main.add_command(gitlab_ci)
main.add_command(serve)
main.add_command(worker)
