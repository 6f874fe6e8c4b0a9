"""The output formats and the options every reporter takes.

Kept apart from ``validator.report`` itself so that each reporter module can import
:class:`RenderOptions` without importing the registry that imports the reporters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import validator


class OutputFormat(enum.StrEnum):
    """The formats ``gitops-validator check --format`` can print."""

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
    """Text format only: a directory, relative to where the command runs, put in front of
    every repository-relative path shown (``../repo``), so the paths a terminal shows
    open from there. Empty: paths are shown repository-relative."""
    information_uri: str = ""
    """Absolute URI of the tool's home page (SARIF ``tool.driver.informationUri``);
    empty: left out."""
