"""The rendered YAML ``gitops-validator render`` prints: pure, no I/O.

Each object is written as one YAML document, in the order the validator checks them,
after two comments saying where it came from::

    ---
    # Source: apps/shop/templates/deployment.yaml:3
    # Target: shop@values-prod.yaml
    apiVersion: apps/v1
    ...

``# Source:`` is the file and line a reviewer would edit for the object as a whole
(``Document.locate(())``: the template of a Helm object, the origin of a Kustomize
object, the agent object's source as mapped); ``# Target:`` the render target's name.
Bodies are written as they are, keys in their rendered order, without anchors or
aliases (a shared value is written out at each use, as the agent sees it), and Secret
values are not redacted: this is the user's own repository on their own machine
(``docs/render.md``). Control characters in the comments are escaped so a file name
cannot start a line of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from validator.report.common import display_path, printable

__all__ = ["RenderedObject", "rendered_yaml"]


@dataclass(frozen=True, kw_only=True)
class RenderedObject:
    """One object as the validator checks it, with where it came from."""

    body: Mapping[str, Any]
    """The object exactly as schemas and policies see it."""
    source: str
    """Repository-relative file a reviewer would edit for this object."""
    line: int
    """1-based line of the object in ``source`` (0: unknown)."""
    target: str
    """The render target it came from (a plain file's target is the file)."""


class _Dumper(yaml.SafeDumper):
    """Safe YAML, block style, without anchors (every value written where it is used)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line strings as literal blocks (readable scripts and config files)."""
    style = "|" if "\n" in value and value == value.rstrip(" ") and "\t" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def object_yaml(body: Mapping[str, Any]) -> str:
    """``body`` as one block-style YAML document (no ``---``), ending in a newline."""
    return yaml.dump(dict(body), Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=1_000_000)


def rendered_yaml(objects: Iterable[RenderedObject], *, display_root: str = "") -> str:
    """Every object as a ``---``-separated YAML stream with its ``# Source:`` and
    ``# Target:`` comments; ``display_root`` is put before source paths (as the text report
    does) so they open from the working directory. Empty when there are no objects."""
    parts = []
    for item in objects:
        where = display_path(item.source, display_root)
        source = f"{where}:{item.line}" if item.line else where
        parts.append(f"---\n# Source: {_comment(source)}\n# Target: {_comment(item.target)}\n"
                     f"{object_yaml(item.body)}")
    return "".join(parts)


def _comment(text: str) -> str:
    return printable(text, keep_newlines=False)
