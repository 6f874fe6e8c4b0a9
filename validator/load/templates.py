"""Recognising a file that fails to parse because it is a template, not YAML.

Outside a chart, a ``*.yaml`` file with Jinja markers (``{{ }}``, ``{% %}``), an
``!ENV`` tag (MkDocs) or a ``!!python/...`` tag is meant for some other tool; when
it does not parse, it is listed as skipped with that reason instead of being a
syntax error. (No GitOps agent can apply such a file either, so nothing goes
unchecked that would be applied.) A tag is different: kustomize, kubectl and Argo CD
read ``!!python/str x`` or ``!ENV x`` as the plain value and apply the object, so a
file whose documents compose to a mapping with an ``apiVersion`` key is a manifest,
and its tag stays a syntax error (never a skip that would pass it unchecked).
"""

from __future__ import annotations

import re

import yaml

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_TAGS = (("!ENV", "an !ENV tag (MkDocs)"), ("python/", "a !!python/ tag"))


def template_reason(text: str, problem: str) -> str:
    """Why ``text``, which failed to parse with ``problem``, is a template (empty if not one)."""
    for tag, what in _TAGS:
        if tag in problem:
            if _is_manifest(text):
                return ""
            return f"a template or tool configuration with {what}, not a Kubernetes manifest"
    if _JINJA.search(text):
        return "a template (Jinja '{{ }}' or '{% %}'), not YAML"
    return ""


def _is_manifest(text: str) -> bool:
    """Whether a document of ``text`` is a mapping with an ``apiVersion`` key, as the Go tools
    see it (composed only: tags are not constructed, escapes in keys are decoded)."""
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if isinstance(node, yaml.MappingNode) and any(
                    isinstance(key, yaml.ScalarNode) and key.value == "apiVersion"
                    for key, _ in node.value):
                return True
    except (yaml.YAMLError, RecursionError):
        return True  # cannot tell: not skipped, so the syntax error is reported
    return False
