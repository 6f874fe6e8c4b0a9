"""Hostile input for the fingerprint (validator/fingerprint.py): names of named-list items and
messages that a change fully controls. Fingerprints hash them; nothing may crash or print them
unescaped, and the findings around them are still reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hostile.gallery import hostile

_ODD_NAMES: list[dict[str, Any]] = [
    {"name": {"nested": ["not", "a", "string"]}},
    {"name": ["a", "list"]},
    {"name": "dup"},
    {"name": "dup"},
    {"name": "quote' ] [name='x'] \x1b[31m\nline 12 #3 [4] a.yaml:1:2"},
    {"name": "n" * 20000},
]


@hostile("named-list-items-with-hostile-names", expect=("schema/type",), forbidden=("\x1b[31m",))
def hostile_names(folder: Path) -> None:
    """Containers whose ``name`` is a mapping, a list, a duplicate, a 20,000-character string or
    text that imitates a field key, a position and an ANSI escape; each has a schema error
    below it, whose field key walks through the odd name."""
    containers = [{**item, "image": "nginx:1.27", "ports": [{"containerPort": "eighty"}]}
                  for item in _ODD_NAMES]
    body = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "odd-names", "namespace": "gallery"},
            "spec": {"selector": {"matchLabels": {"app": "odd"}},
                     "template": {"metadata": {"labels": {"app": "odd"}},
                                  "spec": {"containers": containers}}}}
    (folder / "deployment.json").write_text(json.dumps(body, indent=1))


@hostile("messages-imitating-positions", expect=("load/duplicate-key",))
def position_like_messages(folder: Path) -> None:
    """A duplicate key (quoted in full by its message) made of what the message normaliser
    rewrites (``line 1``, ``[2]``, ``/a/3/``, ``#4``, ``x.yaml:5:6``), 3,000 times over."""
    key = json.dumps("line 1 [2] /a/3/ #4 x.yaml:5:6 " * 3000)
    (folder / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: positions, namespace: gallery}\n"
        f"data:\n  ? {key}\n  : a\n  ? {key}\n  : b\n")
