"""The output formats and the options every reporter takes.

Kept apart from ``validator.report`` itself so that each reporter module can import
:class:`RenderOptions` without importing the registry that imports the reporters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import validator


class OutputFormat(enum.StrEnum):
    """The formats ``gitops-validator check --output`` can print."""

    TEXT = "text"
    """Human-readable text grouped by file, with a summary line."""
    JSON = "json"
    """The stable JSON document described in docs/output-json.md."""
    SARIF = "sarif"
    """SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""
    JUNIT = "junit"
    """JUnit XML, for CI systems that show test reports."""
    GITHUB = "github"
    """GitHub Actions workflow commands (``::error file=...::message``)."""
    MARKDOWN = "markdown"
    """A pull-request comment or job summary within 65,000 bytes (see report/markdown.py)."""
    CODEQUALITY = "codequality"
    """GitLab Code Quality JSON (``artifacts: reports: codequality``; see report/codequality.py)."""


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    """How to render a report; everything a reporter needs besides the report itself."""

    color: bool = False
    """Use ANSI colours (text format only; the CLI turns it on for a TTY)."""
    tool_name: str = "gitops-validator"
    """The tool name written into JSON, SARIF and JUnit output."""
    tool_version: str = validator.__version__
    """The tool version written into JSON and SARIF output."""
    root_uri: str = ""
    """Absolute URI of the repository root (``file:///work/repo/``); SARIF
    ``originalUriBaseIds["%SRCROOT%"]``. Empty: left out, paths stay repo-relative."""
    display_root: str = ""
    """A directory put in front of every repository-relative path in text, GitHub and
    SARIF output: for text, the root seen from where the command runs (``../repo``), so
    a terminal's paths open; for GitHub and SARIF, the root seen from the checkout
    (``deploy/``), so annotations land on the right files. Empty: paths as they are."""
    information_uri: str = ""
    """Absolute URI of the tool's home page (SARIF ``tool.driver.informationUri``);
    empty: left out."""
    link_base: str = ""
    """Markdown: findings link to ``{link_base}/{path}#L{line}`` (e.g.
    ``https://github.com/OWNER/REPO/blob/SHA``); empty: no links."""
