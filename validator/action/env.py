"""What the Action is told: GitHub's ``GITHUB_*`` variables and the step's ``INPUT_*`` values.

Read once, from a mapping (``os.environ`` in the container, a plain dict in the tests), into
frozen values; every input is checked here, so a bad one is one error naming it (exit 2)
before anything runs. GitHub passes an input ``fail-on`` as ``INPUT_FAIL-ON`` (hyphens kept,
upper case); the underscore form ``INPUT_FAIL_ON`` is accepted as well, for runners and
scripts that cannot set a variable with a hyphen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar

from validator.change.block import Block
from validator.config import FailOn
from validator.errors import UsageError
from validator.repo_config import CONFIG_FILE
from validator.scm.markers import DEFAULT_CHECK
from validator.scm.outcome import CommentMode

__all__ = ["INPUT_NAMES", "ActionEnvironment", "ActionInputError", "ActionInputs"]

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
_VERSION = re.compile(r"^v?\d{1,2}\.\d{1,3}(\.\d{1,4})?$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LIST_SEPARATORS = re.compile(r"[,\n]")
#: A count as typed in a workflow: ASCII digits (``str.isdigit`` also takes "²" and "①",
#: which ``int`` refuses), at most 9 of them (``int`` refuses more than 4,300).
_COUNT = re.compile(r"[0-9]{1,9}")
#: The inputs action.yml declares, as GitHub names them.
INPUT_NAMES = ("paths", "config", "policy", "kubernetes-version", "fail-on", "block", "comments",
               "max-comments", "github-token", "sarif-file", "check-name")
_CHECK_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,100}")
_E = TypeVar("_E", FailOn, Block, CommentMode)


class ActionInputError(UsageError):
    """An input or a ``GITHUB_*`` variable the Action cannot use; the message names it."""


@dataclass(frozen=True, kw_only=True)
class ActionInputs:
    """The step's ``with:`` values, checked and typed (action.yml documents each)."""

    paths: tuple[str, ...] = (".",)
    """Workspace-relative files and folders to check (POSIX, never leaving the workspace)."""
    config_root: Path
    """The folder whose ``.gitops-validator.yaml`` applies (input ``config``; default the workspace)."""
    policies: tuple[str, ...] = ()
    """Rego policy folders or files (``builtin``: the bundled library); empty: the configuration's."""
    kubernetes_version: str | None = None
    """Kubernetes version to render and check for; None: the configuration's or the default."""
    fail_on: FailOn | None = None
    """Lowest severity that blocks; None: the configuration's or the default."""
    block: Block = Block.NEW
    """Which findings of a pull request can block: new ones only, or all of the head's."""
    comments: CommentMode = CommentMode.REVIEW
    """Comments on a pull request: review comments and summary, the summary only, or none."""
    max_comments: int = 20
    """Most review comments one run posts."""
    token: str = field(default="", repr=False)
    """The token the publisher writes with (never shown)."""
    sarif_file: Path | None = None
    """Where SARIF is written (absolute, inside the workspace); None: not written."""
    check_name: str = DEFAULT_CHECK
    """The check run's name (what branch protection requires); one per step of a job that
    checks several folders, so their check runs, summary comments and threads stay apart."""
    explicit: frozenset[str] = frozenset()
    """Check options the step set (they beat ``.gitops-validator.yaml``), by option name."""


@dataclass(frozen=True, kw_only=True)
class ActionEnvironment:
    """Everything the Action reads from its environment."""

    event_name: str
    """``GITHUB_EVENT_NAME``: pull_request, merge_group, push, ..."""
    event_path: Path
    """``GITHUB_EVENT_PATH``: the webhook payload that started the workflow."""
    repository: str
    """``GITHUB_REPOSITORY``: ``owner/name``."""
    workspace: Path
    """``GITHUB_WORKSPACE``: the checkout."""
    sha: str = ""
    """``GITHUB_SHA`` (workflow_dispatch reports on it; a pull request's is a merge commit)."""
    api_url: str = DEFAULT_API_URL
    """``GITHUB_API_URL`` without a trailing slash (GitHub Enterprise Server, test servers)."""
    graphql_url: str | None = None
    """``GITHUB_GRAPHQL_URL``; None: derived from the API URL by the publisher."""
    server_url: str = DEFAULT_SERVER_URL
    """``GITHUB_SERVER_URL`` (links to the workflow run)."""
    run_id: str = ""
    """``GITHUB_RUN_ID`` (the check run's details link)."""
    step_summary: Path | None = None
    """``GITHUB_STEP_SUMMARY``: the job summary file; None outside Actions."""
    output: Path | None = None
    """``GITHUB_OUTPUT``: the step outputs file; None outside Actions."""
    inputs: ActionInputs
    """The step's inputs."""

    @property
    def details_url(self) -> str | None:
        """The workflow run's page, when the run is known."""
        if not self.run_id:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ActionEnvironment:
        """Read and check the environment; :class:`ActionInputError` names what is wrong."""
        workspace = Path(_required(environ, "GITHUB_WORKSPACE")).absolute()
        repository = _required(environ, "GITHUB_REPOSITORY")
        if not _REPOSITORY.match(repository):
            raise ActionInputError(f"GITHUB_REPOSITORY {repository!r} is not owner/name")
        return cls(
            event_name=_required(environ, "GITHUB_EVENT_NAME"),
            event_path=Path(_required(environ, "GITHUB_EVENT_PATH")),
            repository=repository, workspace=workspace, sha=environ.get("GITHUB_SHA", ""),
            api_url=(environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            graphql_url=environ.get("GITHUB_GRAPHQL_URL") or None,
            server_url=(environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
            run_id=environ.get("GITHUB_RUN_ID", ""),
            step_summary=_optional_path(environ, "GITHUB_STEP_SUMMARY"),
            output=_optional_path(environ, "GITHUB_OUTPUT"),
            inputs=read_inputs(environ, workspace))


def read_inputs(environ: Mapping[str, str], workspace: Path) -> ActionInputs:
    """The step's inputs from ``INPUT_*`` variables (empty means: not set)."""
    raw = {name: _input(environ, name) for name in INPUT_NAMES}
    explicit = {option for name, option in (("policy", "policies"), ("fail-on", "fail_on"),
                                            ("kubernetes-version", "kubernetes_version"))
                if raw[name]}
    version = raw["kubernetes-version"] or None
    if version is not None and not _VERSION.match(version):
        raise ActionInputError(f"input `kubernetes-version`: {version!r} is not a version like 1.30")
    sarif = raw["sarif-file"]
    return ActionInputs(
        paths=tuple(_inside("paths", p, workspace) for p in _list(raw["paths"])) or (".",),
        config_root=_config_root(raw["config"], workspace),
        policies=tuple(p if p == "builtin" else _inside("policy", p, workspace)
                       for p in _list(raw["policy"])),
        kubernetes_version=version,
        fail_on=_choice("fail-on", raw["fail-on"], FailOn) if raw["fail-on"] else None,
        block=_choice("block", raw["block"] or Block.NEW.value, Block),
        comments=_choice("comments", raw["comments"] or CommentMode.REVIEW.value, CommentMode),
        max_comments=_count("max-comments", raw["max-comments"] or "20"),
        token=raw["github-token"],
        sarif_file=_sarif_file(sarif, workspace) if sarif else None,
        check_name=_check_name(raw["check-name"]),
        explicit=frozenset(explicit))


def _input(environ: Mapping[str, str], name: str) -> str:
    """``INPUT_NAME-WITH-HYPHENS`` as GitHub sets it, else ``INPUT_NAME_WITH_UNDERSCORES``."""
    upper = name.upper()
    value = environ.get(f"INPUT_{upper}")
    if value is None:
        value = environ.get(f"INPUT_{upper.replace('-', '_')}", "")
    return value.strip()


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ActionInputError(f"{name} is not set: run this inside a GitHub Actions job "
                               "(or set it as Actions does)")
    return value


def _optional_path(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name, "").strip()
    return Path(value) if value else None


def _list(value: str) -> list[str]:
    """Items separated by commas or new lines (a YAML block scalar in the workflow)."""
    return [item.strip() for item in _LIST_SEPARATORS.split(value) if item.strip()]


def _inside(name: str, value: str, workspace: Path) -> str:
    """``value`` as a workspace-relative POSIX path; refused when absolute or leaving it."""
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise ActionInputError(f"input `{name}`: {value!r} must be a path inside the workspace "
                               f"{workspace} (relative, without ..)")
    return path.as_posix()


def _check_name(value: str) -> str:
    if not value:
        return DEFAULT_CHECK
    if not _CHECK_NAME.fullmatch(value) or "-->" in value:
        raise ActionInputError(f"input `check-name`: {value!r} must be one line of at most 100 "
                               "characters (without -->)")
    return value


def _sarif_file(value: str, workspace: Path) -> Path:
    """The SARIF file the input names: a file in the workspace, never a folder (checked
    here, before anything runs, not when the report is written)."""
    relative = _inside("sarif-file", value, workspace)
    target = workspace / relative
    if relative == "." or value.endswith("/") or target.is_dir():
        raise ActionInputError(f"input `sarif-file`: {value!r} is a folder; name a file "
                               "such as results.sarif")
    return target


def _config_root(value: str, workspace: Path) -> Path:
    """The folder of ``.gitops-validator.yaml`` the input names (the file or its folder)."""
    if not value:
        return workspace
    target = workspace / _inside("config", value, workspace)
    if target.is_dir():
        return target
    if target.name != CONFIG_FILE:
        raise ActionInputError(f"input `config`: {value!r} must be a {CONFIG_FILE} file "
                               "or the folder holding one")
    if not target.is_file():
        raise ActionInputError(f"input `config`: {value!r} does not exist in the workspace")
    return target.parent


def _choice(name: str, value: str, kind: type[_E]) -> _E:
    try:
        return kind(value.lower())
    except ValueError:
        allowed = " | ".join(item.value for item in kind)
        raise ActionInputError(f"input `{name}`: {value!r} is not one of {allowed}") from None


def _count(name: str, value: str) -> int:
    if not _COUNT.fullmatch(value):
        raise ActionInputError(f"input `{name}`: {value!r} is not a whole number (0 or more, "
                               "in digits 0-9, at most 9 of them)")
    return int(value)
