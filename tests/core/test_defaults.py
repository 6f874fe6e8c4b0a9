"""One source of truth for the defaults every way in shares (issue 9, item 0)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
from click.testing import CliRunner

from validator.cli.check import check
from validator.cli.diff import diff
from validator.cli.main import main
from validator.config import FailOn, resolve_check_settings
from validator.defaults import DEFAULT_KUBERNETES_VERSION
from validator.options import DEFAULTS, CheckOptions
from validator.render import RenderSettings
from validator.repo_config import RepoConfig
from validator.schema import SchemaSettings
from validator.service import CheckRequest, run_check


def _default(command_params: list[click.Parameter], name: str) -> object:
    return next(p.default for p in command_params if p.name == name)


def test_render_schema_and_cli_share_the_default_kubernetes_version() -> None:
    assert RenderSettings().kubernetes_version == DEFAULT_KUBERNETES_VERSION
    assert SchemaSettings().kubernetes_version == DEFAULT_KUBERNETES_VERSION
    assert _default(list(check.params), "kubernetes_version") == DEFAULT_KUBERNETES_VERSION
    assert _default(list(diff.params), "kubernetes_version") == DEFAULT_KUBERNETES_VERSION


#: check's parameters that are the CLI's own business (where to write, how to show).
_CLI_ONLY = {"paths", "root", "all_kustomizations", "outputs", "output_files", "color", "progress"}


def test_the_options_object_holds_every_check_option_and_its_default() -> None:
    params = {p.name for p in check.params if p.name not in _CLI_ONLY}
    assert params == {f.name for f in dataclasses.fields(CheckOptions)}
    defaults = check.make_context("check", []).params  # what the CLI sets when given nothing
    assert CheckOptions.from_mapping(defaults) == DEFAULTS
    diff_defaults = diff.make_context("diff", []).params
    assert CheckOptions.from_mapping(diff_defaults) == DEFAULTS


def test_options_from_the_cli_mapping_resolve_to_the_same_settings(tmp_path: Path) -> None:
    context = check.make_context("check", [str(tmp_path), "--strict", "--skip-kinds", "Secret,Job",
                                           "--fail-on", "warning", "--no-policy"])
    raw = {k: v for k, v in context.params.items() if k not in _CLI_ONLY}
    typed = CheckOptions.from_mapping(raw)
    assert typed.fail_on is FailOn.WARNING
    assert typed.skip_kinds == ("Secret", "Job")
    one = resolve_check_settings(raw, explicit=set(), root=tmp_path, paths=[tmp_path],
                                 repo=RepoConfig())
    other = resolve_check_settings(typed.as_mapping(), explicit=set(), root=tmp_path,
                                   paths=[tmp_path], repo=RepoConfig())
    assert one == other


def test_run_check_of_the_service_is_what_the_cli_reports(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                       "spec: {containers: [{name: c, image: nginx, ports: "
                                       "[{containerPort: not-a-number}]}]}\n")
    report = run_check(CheckRequest(root=tmp_path, options=CheckOptions(no_policy=True))).report
    assert [(f.rule_id, f.location.path, f.location.line) for f in report.findings] == [
        ("schema/type", "pod.yaml", 4)]
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-policy", "-o", "json"])
    assert [(f["rule_id"], f["path"], f["line"]) for f in json.loads(result.output)["findings"]] \
        == [("schema/type", "pod.yaml", 4)]
