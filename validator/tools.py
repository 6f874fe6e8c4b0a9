"""Finding the external Go tools (opa, helm, kustomize, kubeconform, conftest) and their versions.

Lookup order for a tool NAME:

1. ``GITOPS_VALIDATOR_<NAME>`` (e.g. ``GITOPS_VALIDATOR_HELM=/opt/helm``), an explicit path;
2. ``$GITOPS_VALIDATOR_TOOLS_DIR/NAME``;
3. the project-local ``.tools/bin/NAME`` that ``make setup`` fills from ``tools.lock``;
4. ``NAME`` on ``PATH``.
"""

from __future__ import annotations

import enum
import functools
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from validator.errors import CommandError, ToolNotFoundError
from validator.package_data import data_resource
from validator.process import run_args

#: The checkout this package runs from (editable installs), where ``make setup`` fills .tools/;
#: for a wheel it is the site-packages folder, which has no .tools/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_TOOLS_DIR = PROJECT_ROOT / ".tools" / "bin"


class Tool(enum.StrEnum):
    """The external programs the validator (and its tests and benchmarks) run."""

    OPA = "opa"
    HELM = "helm"
    KUSTOMIZE = "kustomize"
    KUBECONFORM = "kubeconform"
    CONFTEST = "conftest"


#: How to ask each tool for its version.
_VERSION_ARGS: dict[Tool, tuple[str, ...]] = {
    Tool.OPA: ("version",),
    Tool.HELM: ("version", "--short"),
    Tool.KUSTOMIZE: ("version",),
    Tool.KUBECONFORM: ("-v",),
    Tool.CONFTEST: ("--version",),
}

_VERSION_RE = re.compile(r"v?\d+\.\d+\.\d+[\w.+-]*")


@dataclass(frozen=True, kw_only=True)
class ToolInfo:
    """Where a tool was found and what version it reports."""

    tool: Tool
    path: Path | None
    """Absolute path, or None when the tool is not installed."""
    version: str
    """The version it reports, or why it could not be asked."""


def pinned_versions() -> dict[str, str]:
    """``{name: version}`` from ``tools.lock`` (shipped in the package as validator/data/tools.lock)."""
    pins: dict[str, str] = {}
    pins_file = data_resource("tools.lock")
    if pins_file.is_file():
        for line in pins_file.read_text().splitlines():
            fields = line.split("#", 1)[0].split()
            if len(fields) == 3:
                pins[fields[0]] = fields[2]
    return pins


def find_tool(tool: Tool) -> Path | None:
    """The tool's executable, following the lookup order in the module docstring."""
    override = os.environ.get(f"GITOPS_VALIDATOR_{tool.name}")
    if override:
        return Path(override) if Path(override).is_file() else None
    candidates = []
    if tools_dir := os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR"):
        candidates.append(Path(tools_dir) / tool.value)
    candidates.append(LOCAL_TOOLS_DIR / tool.value)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(tool.value)
    return Path(found) if found else None


def require_tool(tool: Tool) -> Path:
    """The tool's executable, or a :class:`ToolNotFoundError` that says how to install it."""
    path = find_tool(tool)
    if path is None:
        override = os.environ.get(f"GITOPS_VALIDATOR_{tool.name}")
        where = (f"GITOPS_VALIDATOR_{tool.name}={override} is not a file" if override
                 else f"not in {LOCAL_TOOLS_DIR} nor on PATH")
        version = pinned_versions().get(tool.value, "")
        raise ToolNotFoundError(
            f"{tool.value} is required but was not found ({where}); install it with "
            f"`make setup` (or `scripts/install-tools.sh {tool.value}`), "
            f"or set GITOPS_VALIDATOR_{tool.name} to its path"
            + (f"; the pinned version is {version}" if version else ""))
    return path


@functools.cache
def tool_version(path: Path, tool: Tool) -> str:
    """The version string ``path`` reports (cached per path)."""
    try:
        result = run_args([str(path), *_VERSION_ARGS[tool]], timeout=30)
    except CommandError as exc:
        return f"unknown ({exc})"
    text = result.stdout.decode("utf-8", "replace") + result.stderr
    match = _VERSION_RE.search(text)
    return match.group(0) if match else text.strip().splitlines()[0] if text.strip() else "unknown"


def describe_tools() -> list[ToolInfo]:
    """Path and version of every tool, for ``gitops-validator version``."""
    infos = []
    for tool in Tool:
        path = find_tool(tool)
        version = tool_version(path, tool) if path else "not installed"
        infos.append(ToolInfo(tool=tool, path=path, version=version))
    return infos
