"""``gitops-validator render``: print what ``check`` would validate, as YAML with its sources."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from validator.cli.check import _explicit, _paths_option
from validator.cli.common import ENV, errors_exit_2, report_roots
from validator.cli.common import _write_whole as write_whole
from validator.config import find_repo_root, relative_to_root
from validator.options import DEFAULTS, CheckOptions
from validator.report import OutputFormat, RenderOptions, render_report
from validator.report.rendered_yaml import rendered_yaml
from validator.service import RenderRequest, run_render


@click.command(context_settings={"show_default": True})
@_paths_option
@click.option("--target", "-t", metavar="NAME",
              help="Render only this target (a name `gitops-validator targets` lists).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read this configuration file instead of the root's .gitops-validator.yaml "
              "(its paths stay relative to the root).")
@click.option("--kubernetes-version", "-k", default=DEFAULTS.kubernetes_version,
              envvar=f"{ENV}KUBERNETES_VERSION", help="Kubernetes version helm renders for.")
@click.option("--include-helm-tests", is_flag=True,
              help="Print Helm test hooks too (check skips them by default, as the agents do).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=DEFAULTS.jobs,
              envvar=f"{ENV}JOBS", help="Targets rendered in parallel.", show_default="CPU count")
@click.option("--render-timeout", type=click.FloatRange(min=1), default=DEFAULTS.render_timeout,
              help="Seconds one helm template or kustomize build may take.")
@click.option("--render-memory-limit", default=DEFAULTS.render_memory_limit, metavar="SIZE",
              envvar=f"{ENV}RENDER_MEMORY_LIMIT", help="Memory one render may use.")
@click.option("--no-render-cache", is_flag=True, envvar=f"{ENV}NO_RENDER_CACHE",
              help="Render again instead of reusing renders of identical inputs.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Write the YAML to FILE instead of standard output.")
@click.pass_context
def render(ctx: click.Context, /, **options: Any) -> None:
    """Print the rendered YAML of every target under PATHS (default: .), or of one.

    \b
    Exactly the objects `check` would validate: the same targets, the same
    helm/kustomize options, Helm objects placed in their release namespace,
    Helm test hooks left out. Each object is preceded by
      # Source: <file>:<line>   the file a reviewer would edit (template, patch, ...)
      # Target: <name>          the target that rendered it
    and objects are separated by ---. Render findings go to standard error
    with their file and line.

    \b
    Secrets are printed as rendered, values included: do not paste the
    output where others can read it.

    \b
    Exit codes: 0 every target rendered; 1 a target failed to render;
    2 a usage or configuration error.

    \b
    Examples:
      gitops-validator render .                       # everything check would validate
      gitops-validator targets . && gitops-validator render . --target worker-prod
      gitops-validator render apps/shop -k 1.31 -o shop.yaml
      gitops-validator render . --target 'Application argocd/guestbook' | grep -n image:
    """
    with errors_exit_2():
        paths = tuple(options.pop("paths")) or (Path.cwd(),)
        root = find_repo_root(paths, options.pop("root"))
        output = options.pop("output")
        request = RenderRequest(
            root=root, paths=tuple(relative_to_root(p, root) for p in paths),
            target=options.pop("target"), config=options.pop("config"),
            options=CheckOptions.from_mapping(options), explicit=frozenset(_explicit(ctx)),
            all_kustomizations=options.pop("all_kustomizations"))
        result = run_render(request)
        roots = report_roots(root)
        text = rendered_yaml(result.objects, display_root=roots.get(OutputFormat.TEXT, ""))
        if output is None:
            click.echo(text, nl=False)
        else:
            write_whole(output, text)
        color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
        click.echo(render_report(result.report, OutputFormat.TEXT, RenderOptions(
            color=color, display_root=roots.get(OutputFormat.TEXT, ""))), err=True, nl=False)
    sys.exit(result.exit_code())
