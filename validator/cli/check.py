"""``gitops-validator check`` and ``gitops-validator targets``."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from validator.change.affected_output import affected_json, format_affected
from validator.change.since import affected_since
from validator.cli.common import (
    ENV,
    comma_list,
    errors_exit_2,
    progress_callback,
    report_roots,
    write_reports,
)
from validator.config import FailOn, find_repo_root, parse_outputs, relative_to_root
from validator.load.files import special_file_kind
from validator.options import DEFAULTS, CheckOptions
from validator.policy.settings import RegoVersion
from validator.render import discover_targets, format_plan, plan_json
from validator.repo_config import load_repo_config
from validator.report import OutputFormat
from validator.schema import SchemaEngineName
from validator.service import CheckRequest, run_check

_FORMATS = [fmt.value for fmt in OutputFormat]


def _explicit(ctx: click.Context) -> set[str]:
    """Names of the options the user set by flag or environment (they beat the config file)."""
    chosen = {ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT}
    return {name for name in ctx.params if ctx.get_parameter_source(name) in chosen}


def _plain_paths(_ctx: click.Context, _param: click.Parameter, paths: tuple[Path, ...]
                 ) -> tuple[Path, ...]:
    """Refuse a device, pipe or socket (``/dev/null``): there is nothing to check in one."""
    for path in paths:
        if kind := special_file_kind(path):
            raise click.BadParameter(f"{path} is not a file or directory ({kind})")
    return paths


def _paths_option(func: Any) -> Any:
    func = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path),
                          callback=_plain_paths)(func)
    func = click.option("--all-kustomizations", is_flag=True,
                        help="Build every kustomization, also the bases others build on "
                        "(components excepted); see docs/targets.md.")(func)
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path), envvar=f"{ENV}ROOT",
                        help="Repository root that paths in reports are relative to. "
                        "Default: the nearest folder above PATHS with .gitops-validator.yaml or .git.")(func)


@click.command(context_settings={"show_default": True})
@_paths_option
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=DEFAULTS.jobs,
              envvar=f"{ENV}JOBS", help="Targets rendered in parallel.", show_default="CPU count")
@click.option("--render-timeout", type=click.FloatRange(min=1), default=DEFAULTS.render_timeout,
              help="Seconds one helm template or kustomize build may take.")
@click.option("--include-helm-tests", is_flag=True,
              help="Check Helm test hooks (helm.sh/hook: test) too; by default they are skipped, "
              "as Argo CD and Flux do not apply them.")
@click.option("--render-memory-limit", default=DEFAULTS.render_memory_limit,
              envvar=f"{ENV}RENDER_MEMORY_LIMIT",
              metavar="SIZE", help="Memory one helm template or kustomize build may use "
              "(e.g. 512MiB, 2GiB); more is a finding on the target.")
@click.option("--no-render-cache", is_flag=True, envvar=f"{ENV}NO_RENDER_CACHE",
              help="Render every Kustomize and Helm target again instead of reusing renders "
              "of identical inputs from ~/.cache/gitops-validator/renders.")
@click.option("--skip-non-kubernetes", is_flag=True,
              help="Report YAML without apiVersion/kind as skipped instead of as an error.")
@click.option("--kubernetes-version", "-k", default=DEFAULTS.kubernetes_version,
              envvar=f"{ENV}KUBERNETES_VERSION",
              help="Kubernetes version whose schemas apply and that helm renders for "
              "(bundled: 1.25 to 1.37).")
@click.option("--strict", is_flag=True, help="Unknown fields and duplicate keys are errors.")
@click.option("--schema-dir", "schema_dirs", multiple=True, type=click.Path(exists=True, file_okay=False,
              path_type=Path), help="Extra JSON schemas for CRDs (repeatable).")
@click.option("--ignore-missing-schemas", is_flag=True,
              help="Report kinds without a schema as skipped instead of as errors.")
@click.option("--skip-kinds", multiple=True, callback=comma_list,
              help="Kinds not schema-checked, reported as skipped (comma-separated, repeatable).")
@click.option("--reject-kinds", multiple=True, callback=comma_list,
              help="Kinds that are errors wherever they appear (comma-separated, repeatable).")
@click.option("--schema-engine", type=click.Choice([e.value for e in SchemaEngineName]),
              default=DEFAULTS.schema_engine.value, envvar=f"{ENV}SCHEMA_ENGINE",
              help="In-process JSON schema engine, or the kubeconform binary.")
@click.option("--schema-cache-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar=f"{ENV}SCHEMA_CACHE_DIR", show_default="~/.cache/gitops-validator",
              help="Where prepared standalone schemas are cached.")
@click.option("--no-schema", is_flag=True, help="Skip schema validation (policies only).")
@click.option("--policy", "-p", "policies", multiple=True, type=click.Path(path_type=Path),
              help="Rego policy folder or file (repeatable); builtin: the bundled library. "
              "Default: the repository's policies/.")
@click.option("--namespace", "-n", "namespaces", multiple=True,
              help="Rego packages to evaluate; globs allowed, e.g. 'k8s.*'.", show_default="main")
@click.option("--all-namespaces", is_flag=True, help="Evaluate every package of the policies.")
@click.option("--data", "-d", "data_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="JSON/YAML data files or folders, exposed to policies as data (repeatable).")
@click.option("--combine", is_flag=True, help="Evaluate all documents as one input, as conftest --combine.")
@click.option("--rego-version", type=click.Choice([v.value for v in RegoVersion]),
              default=DEFAULTS.rego_version.value,
              help="Rego syntax of the policies.")
@click.option("--opa-url", envvar=f"{ENV}OPA_URL",
              help="Use this OPA server instead of starting a local one (policies are pushed to it).")
@click.option("--opa-token", envvar=f"{ENV}OPA_TOKEN", show_envvar=True,
              help="Bearer token for --opa-url (prefer the environment variable).")
@click.option("--policy-timeout", type=click.FloatRange(min=1), default=DEFAULTS.policy_timeout,
              help="Seconds one policy query (a batch of at most 500 objects) may take.")
@click.option("--policy-memory-limit", default=DEFAULTS.policy_memory_limit,
              envvar=f"{ENV}POLICY_MEMORY_LIMIT",
              metavar="SIZE", help="Memory the local OPA server may use.")
@click.option("--policy-network/--no-policy-network", default=DEFAULTS.policy_network,
              envvar=f"{ENV}POLICY_NETWORK",
              help="Allow policies network builtins (http.send, net.lookup_ip_addr).")
@click.option("--no-policy", is_flag=True, help="Skip policy evaluation (schemas only).")
@click.option("--rule", "rules", multiple=True, callback=comma_list, metavar="ID=LEVEL",
              help="Turn a rule off or re-level it: K8S-016=off, K8S-005=error "
              "(comma-separated, repeatable; wins over rules: in the config file).")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FORMAT[=FILE]",
              help=f"Report format, repeatable: {', '.join(_FORMATS)}. FORMAT=FILE writes to a file.",
              show_default="text")
@click.option("--output-file", "output_files", multiple=True, metavar="FILE",
              help="File for the --output of the same position (repeatable).")
@click.option("--fail-on", type=click.Choice([f.value for f in FailOn]), default=DEFAULTS.fail_on.value,
              envvar=f"{ENV}FAIL_ON", help="Lowest severity that makes the exit code 1.")
@click.option("--color/--no-color", default=None, help="Colour text output.", show_default="when a terminal")
@click.option("--progress/--no-progress", default=True,
              help="Progress bar on standard error (terminals only).")
@click.pass_context
def check(ctx: click.Context, /, **options: Any) -> None:
    """Render, schema-check and policy-check the manifests under PATHS (default: .).

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
    2 a usage, configuration, policy or tool error.

    \b
    Settings come from flags, then GITOPS_VALIDATOR_* environment variables,
    then .gitops-validator.yaml at the repository root, then the defaults shown.
    """
    with errors_exit_2():
        paths = tuple(options.pop("paths")) or (Path.cwd(),)
        root = find_repo_root(paths, options.pop("root"))
        outputs = parse_outputs(options.pop("outputs"), options.pop("output_files"))
        color = options.pop("color")
        progress = options.pop("progress")
        request = CheckRequest(root=root, paths=tuple(relative_to_root(p, root) for p in paths),
                               options=CheckOptions.from_mapping(options),
                               explicit=frozenset(_explicit(ctx)),
                               all_kustomizations=options.pop("all_kustomizations"))
        result = run_check(request, progress=progress_callback(progress))
        if color is None:
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        write_reports(result.report, outputs, color=color, roots=report_roots(root))
    sys.exit(result.exit_code())


@click.command()
@_paths_option
@click.option("--output", "-o", "output", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Plan format.")
@click.option("--verbose", "-v", is_flag=True, help="List each ignored file, not counts by reason.")
@click.option("--changed-from", metavar="REF",
              help="List only the targets the working tree's changes since the git REF affect, "
              "each with the changed file that made it affected.")
def targets(paths: tuple[Path, ...], root: Path | None, all_kustomizations: bool, output: str,
            verbose: bool, *, changed_from: str | None) -> None:
    """List what `check` would render and validate under PATHS, and why."""
    with errors_exit_2():
        chosen = paths or (Path.cwd(),)
        repo_root = find_repo_root(chosen, root)
        if changed_from is not None:
            found = affected_since(repo_root, changed_from, paths,
                                   all_kustomizations=all_kustomizations)
            click.echo(affected_json(found.change, found.affected) if output == "json"
                       else format_affected(found.change, found.affected), nl=False)
            return
        repo = load_repo_config(repo_root)
        if all_kustomizations:
            repo = replace(repo, all_kustomizations=True)
        plan = discover_targets(repo_root, chosen, repo)
        click.echo(plan_json(plan) if output == "json" else format_plan(plan, verbose=verbose),
                   nl=False)
