"""Recognising a file that fails to parse because it is a template, not YAML.

Outside a chart, a ``*.yaml`` file with Jinja markers (``{{ }}``, ``{% %}``), an
``!ENV`` tag (MkDocs) or a ``!!python/...`` tag is meant for some other tool; when
it does not parse, it is listed as skipped with that reason instead of being a
syntax error. (No GitOps agent can apply such a file either, so nothing goes
unchecked that would be applied.)
"""

from __future__ import annotations

import re

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_TAGS = (("!ENV", "an !ENV tag (MkDocs)"), ("python/", "a !!python/ tag"))


def template_reason(text: str, problem: str) -> str:
    """Why ``text``, which failed to parse with ``problem``, is a template (empty if not one)."""
    for tag, what in _TAGS:
        if tag in problem:
            return f"a template or tool configuration with {what}, not a Kubernetes manifest"
    if _JINJA.search(text):
        return "a template (Jinja '{{ }}' or '{% %}'), not YAML"
    return ""
