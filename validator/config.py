"""Run settings, resolved as flags > environment > ``.gitops-validator.yaml`` > defaults.

The CLI (and later the Action and the webhook app) gathers raw values; this module
turns them into one frozen :class:`CheckSettings`, so the pipeline never looks at
flags, environment variables or files on its own.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.charts.config import chart_settings
from validator.errors import UsageError
from validator.load import LoadOptions
from validator.model import Severity, Skipped
from validator.policy.library import BUILTIN, default_namespaces, is_builtin, library_dir
from validator.policy.settings import PolicySettings, RegoVersion
from validator.render import RenderSettings
from validator.render.cache import default_render_cache_dir
from validator.repo_config import RepoConfig
from validator.report import OutputFormat
from validator.rule_levels import RuleOverride, merge_rule_levels, parse_rule_flags
from validator.sandbox import parse_size
from validator.schema import SchemaEngineName, SchemaSettings

#: The file that marks a repository root and configures the validator.
CONFIG_FILE_NAME = ".gitops-validator.yaml"


class FailOn(enum.StrEnum):
    """The lowest severity that makes ``check`` exit with code 1."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"

    @property
    def threshold(self) -> Severity | None:
        """The severity at or above which the run fails (None: never fails on findings)."""
        match self:
            case FailOn.ERROR:
                return Severity.ERROR
            case FailOn.WARNING:
                return Severity.WARNING
            case FailOn.INFO:
                return Severity.INFO
            case FailOn.NEVER:
                return None


@dataclass(frozen=True, kw_only=True)
class OutputSpec:
    """One report to write: a format and a file (None: standard output)."""

    format: OutputFormat
    path: Path | None = None


def parse_outputs(formats: Sequence[str], files: Sequence[str]) -> tuple[OutputSpec, ...]:
    """Pair ``--output`` values with ``--output-file`` values in order.

    ``--output sarif=report.sarif`` names the file inline. Outputs without a file go to
    standard output; with no ``--output`` at all, text goes to standard output.
    """
    specs: list[OutputSpec] = []
    remaining = list(files)
    for value in formats or ["text"]:
        name, _, inline = value.partition("=")
        try:
            fmt = OutputFormat(name.strip().lower())
        except ValueError:
            choices = ", ".join(f.value for f in OutputFormat)
            raise UsageError(f"unknown output format {name!r}: choose from {choices}") from None
        path = Path(inline) if inline else (Path(remaining.pop(0)) if remaining else None)
        specs.append(OutputSpec(format=fmt, path=path))
    if remaining:
        raise UsageError(f"--output-file {remaining[0]} has no matching --output FORMAT")
    to_stdout = [spec.format.value for spec in specs if spec.path is None]
    if len(to_stdout) > 1:
        raise UsageError(f"only one output can go to standard output, got {', '.join(to_stdout)}; "
                         "give the others an --output-file")
    return tuple(specs)


def find_repo_root(paths: Sequence[Path], explicit: Path | None) -> Path:
    """The repository the paths belong to.

    ``--root`` wins; otherwise the nearest directory at or above the first path that
    holds a ``.gitops-validator.yaml`` or a ``.git``; otherwise the current directory
    when the path is inside it, else the path's own folder.
    """
    if explicit is not None:
        if not explicit.is_dir():
            raise UsageError(f"--root {explicit}: not a directory")
        return explicit.resolve()
    start = absolute(paths[0] if paths else Path.cwd())
    if start.is_file():
        start = start.parent
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_FILE_NAME).is_file() or (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    return cwd if start.is_relative_to(cwd) else start


def absolute(path: Path) -> Path:
    """``path`` made absolute and normalised, symlinks NOT followed: a link named on the
    command line is judged as a link (and refused if it leaves the repository)."""
    return Path(os.path.normpath(path.absolute()))


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` as a repository-relative POSIX path (raises UsageError when outside)."""
    try:
        return absolute(path).relative_to(root).as_posix() or "."
    except ValueError:
        raise UsageError(f"{path} is outside the repository root {root}; "
                         "pass --root to choose another root") from None


@dataclass(frozen=True, kw_only=True)
class CheckSettings:
    """Everything one ``check`` run needs, fully resolved."""

    root: Path
    """Repository root; report paths are relative to it."""
    paths: tuple[Path, ...]
    """Files and folders to check, inside ``root``."""
    repo_config: RepoConfig
    """The repository's ``.gitops-validator.yaml`` (targets, ignores)."""
    render: RenderSettings
    """How targets are rendered and loaded."""
    schema: SchemaSettings | None
    """Schema validation, or None when disabled."""
    policy: PolicySettings | None
    """Policy evaluation, or None when disabled or when there are no policies."""
    fail_on: FailOn
    """The lowest severity that fails the run."""
    rules: tuple[RuleOverride, ...] = ()
    """Rules turned off or re-levelled by id (config file, then ``--rule``)."""
    notes: tuple[Skipped, ...] = ()
    """Checks that were not run and why (reported, never silent); a note whose ``unit`` is
    ``resource`` stands for every resource of the run and is counted so."""


def resolve_check_settings(options: Mapping[str, Any], *, explicit: set[str], root: Path,
                           paths: Sequence[Path], repo: RepoConfig,
                           trusted: Path | None = None) -> CheckSettings:
    """Merge flag/env values (``options``; ``explicit`` names those the user set) with the repo file.

    ``trusted`` (``diff``): the root policies, data and schemas are read from instead of
    ``root``; every relative policy, data and schema path is taken inside it, never from
    the working directory (the checked revision must not choose what judges it).
    """

    def pick(name: str) -> Any:
        if name not in explicit and name in repo.settings:
            return repo.settings[name]
        return options[name]

    for path in paths:
        relative_to_root(path, root)
    strict = bool(pick("strict"))
    version = str(pick("kubernetes_version"))
    notes: list[Skipped] = []
    schema = None if pick("no_schema") else SchemaSettings(
        kubernetes_version=version, strict=strict,
        schema_dirs=_dirs(pick("schema_dirs"), trusted or root, anchored=trusted is not None)
        + _bundled_schema_dirs(trusted or root),
        ignore_missing_schemas=bool(pick("ignore_missing_schemas")),
        skip_kinds=frozenset(pick("skip_kinds")), reject_kinds=frozenset(pick("reject_kinds")),
        engine=SchemaEngineName(pick("schema_engine")), jobs=int(pick("jobs")),
        cache_dir=Path(pick("schema_cache_dir")) if pick("schema_cache_dir") else None,
        root=root)
    if schema is None:
        notes.append(Skipped(path=".", reason="schema validation disabled (--no-schema)",
                             unit="resource", group="not schema-checked: --no-schema"))
    policy = None if pick("no_policy") else _policy_settings(pick, trusted or root, notes,
                                                             anchored=trusted is not None)
    if pick("no_policy"):
        notes.append(Skipped(path=".", reason="policy evaluation disabled (--no-policy)",
                             unit="resource", group="not policy-checked: --no-policy"))
    return CheckSettings(
        root=root, paths=tuple(absolute(p) for p in paths), repo_config=repo,
        render=RenderSettings(
            jobs=int(pick("jobs")), kubernetes_version=version,
            timeout=float(pick("render_timeout")),
            include_helm_tests=bool(pick("include_helm_tests")),
            memory_limit=parse_size(str(pick("render_memory_limit"))),
            cache_dir=None if options.get("no_render_cache") else default_render_cache_dir(),
            charts=chart_settings(repo.charts, root=root),
            load_options=LoadOptions(strict=strict,
                                     skip_non_kubernetes=bool(pick("skip_non_kubernetes")))),
        schema=schema, policy=policy, fail_on=FailOn(pick("fail_on")), notes=tuple(notes),
        rules=merge_rule_levels(repo.rules, parse_rule_flags(options.get("rules", ()))))


def _dirs(values: Sequence[str | Path], root: Path, *, anchored: bool = False) -> tuple[Path, ...]:
    """Absolute folders: flag values are relative to the working directory, file values to the
    root; ``anchored``: every relative value is relative to the root."""
    return tuple((path if path.is_absolute() or (path.exists() and not anchored) else root / path
                  ).resolve() for path in map(Path, values))


def _bundled_schema_dirs(root: Path) -> tuple[Path, ...]:
    """The checked repository's own ``schemas/`` folder, when it has one."""
    own = root / "schemas"
    return (own,) if own.is_dir() else ()


def _policy_dirs(values: Sequence[str | Path], root: Path, *, anchored: bool = False
                 ) -> tuple[Path, ...]:
    """Policy folders; ``builtin`` is the bundled library, any other must exist."""
    dirs = []
    for value in values:
        if is_builtin(value):
            dirs.append(library_dir())
            continue
        (path,) = _dirs([value], root, anchored=anchored)
        if not path.exists():
            raise UsageError(f"policy path {value}: no such policy file or folder "
                             f"(write {BUILTIN} for the bundled library)")
        dirs.append(path)
    return tuple(dict.fromkeys(dirs))


def _policy_settings(pick: Callable[[str], Any], root: Path, notes: list[Skipped], *,
                     anchored: bool = False) -> PolicySettings | None:
    dirs = _policy_dirs(pick("policies"), root, anchored=anchored)
    if not dirs and (root / "policies").is_dir():
        dirs = (root / "policies",)
    if not dirs:
        notes.append(Skipped(path=".", reason="no policies: no policies/ folder in the repository "
                             "and no --policy given", unit="resource",
                             group="not policy-checked: no policies"))
        return None
    namespaces = tuple(pick("namespaces")) or default_namespaces(pick("policies"))
    return PolicySettings(
        policy_dirs=dirs, namespaces=namespaces, all_namespaces=bool(pick("all_namespaces")),
        data_paths=_dirs(pick("data_paths"), root, anchored=anchored), combine=bool(pick("combine")),
        rego_version=RegoVersion(pick("rego_version")), opa_url=pick("opa_url") or None,
        opa_token=pick("opa_token") or None, timeout=float(pick("policy_timeout")),
        memory_limit=parse_size(str(pick("policy_memory_limit"))),
        allow_network=bool(pick("policy_network")))
