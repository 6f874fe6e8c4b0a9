"""One source of truth for the defaults every way in shares (issue 9, item 0)."""

from __future__ import annotations

import click

from validator.cli.check import check
from validator.cli.diff import diff
from validator.defaults import DEFAULT_KUBERNETES_VERSION
from validator.render import RenderSettings
from validator.schema import SchemaSettings


def _default(command_params: list[click.Parameter], name: str) -> object:
    return next(p.default for p in command_params if p.name == name)


def test_render_schema_and_cli_share_the_default_kubernetes_version() -> None:
    assert RenderSettings().kubernetes_version == DEFAULT_KUBERNETES_VERSION
    assert SchemaSettings().kubernetes_version == DEFAULT_KUBERNETES_VERSION
    assert _default(list(check.params), "kubernetes_version") == DEFAULT_KUBERNETES_VERSION
    assert _default(list(diff.params), "kubernetes_version") == DEFAULT_KUBERNETES_VERSION
