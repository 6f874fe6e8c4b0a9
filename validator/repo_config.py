"""The repository's own configuration file, ``.gitops-validator.yaml``, read and validated.

The file sits at the repository root and is checked against
``schemas/config.schema.json`` (JSON Schema 2020-12); every problem is reported as
``.gitops-validator.yaml:LINE: message`` in one :class:`~validator.errors.ConfigError`.
Paths it names relative to the root (policies, schema directories, targets) must stay
inside it, as written. An absent file means defaults. ``settings`` values stay ``None``
when the file does not set them, so that :mod:`validator.config` can layer
flags > env > file > defaults.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from validator.agents.model import AgentConfig, AgentMode, ClusterConfig
from validator.charts.config import ChartsConfig, parse_charts
from validator.config_messages import plain_message, yaml_type
from validator.errors import ConfigError
from validator.load.positions import TextLocator
from validator.load.safety import LimitExceededError, LoadLimits
from validator.load.yaml_loader import load_single_document
from validator.package_data import data_resource
from validator.rule_levels import RuleLevel, RuleOverride

CONFIG_FILE = ".gitops-validator.yaml"
#: The schema of the config file; it lives in the repository's schemas/ folder and ships in the
#: package as validator/data/config.schema.json (a link in the checkout, a copy in a wheel).
SCHEMA_FILE = "config.schema.json"
_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class KustomizeTargetConfig:
    """A kustomization directory the file names as a target."""

    path: str
    """Repository-relative directory holding the kustomization file."""
    name: str = ""
    """Name in reports (default: the directory path)."""
    line: int = 0
    """Line of the entry in the configuration file."""


@dataclass(frozen=True, kw_only=True)
class HelmTargetConfig:
    """One release of a chart with one value set."""

    chart: str
    """Repository-relative chart directory."""
    name: str = ""
    """Name in reports (default: ``chart`` plus the last values file's stem)."""
    release: str = ""
    """``helm template`` release name (default: the chart directory's name)."""
    namespace: str = ""
    """``--namespace`` (default: ``default``)."""
    values: tuple[str, ...] = ()
    """Values files relative to the chart directory (as Argo CD's ``helm.valueFiles``)."""
    line: int = 0
    """Line of the entry in the configuration file."""


@dataclass(frozen=True, kw_only=True)
class RepoSettings:
    """Defaults for command-line options; ``None`` means the file does not set it."""

    kubernetes_version: str | None = None
    strict: bool | None = None
    policies: tuple[str, ...] | None = None
    schema_dirs: tuple[str, ...] | None = None
    namespaces: tuple[str, ...] | None = None
    fail_on: str | None = None
    skip_kinds: tuple[str, ...] | None = None
    jobs: int | None = None
    render_timeout: float | None = None
    include_helm_tests: bool | None = None

    def __contains__(self, name: object) -> bool:
        """Whether the file sets ``name`` (``"strict" in settings``)."""
        return isinstance(name, str) and name in _SETTING_NAMES and getattr(self, name) is not None

    def __getitem__(self, name: str) -> object:
        """The value the file sets for ``name``; KeyError when it sets none."""
        if name not in self:
            raise KeyError(name)
        return getattr(self, name)


_SETTING_NAMES = frozenset(RepoSettings.__dataclass_fields__)


@dataclass(frozen=True, kw_only=True)
class RepoConfig:
    """The parsed configuration file (defaults when there is none)."""

    path: str = ""
    """``.gitops-validator.yaml`` when the file exists, else empty."""
    discover: bool = True
    """Whether targets are discovered besides the declared ones."""
    all_kustomizations: bool = False
    """Build every kustomization, bases included (``--all-kustomizations``); not components."""
    kustomize: tuple[KustomizeTargetConfig, ...] = ()
    helm: tuple[HelmTargetConfig, ...] = ()
    ignore: tuple[str, ...] = ()
    """Glob patterns of repository-relative paths to leave out."""
    settings: RepoSettings = field(default_factory=RepoSettings)
    rules: tuple[RuleOverride, ...] = ()
    """Rules turned off or re-levelled by id (``rules:``)."""
    agents: AgentConfig = field(default_factory=AgentConfig)
    """Which agent objects define targets, and what they need to know (``agents:``,
    ``repository_urls:``, ``clusters:``, ``agent_depth:``)."""
    charts: ChartsConfig = field(default_factory=ChartsConfig)
    """Which remote chart repositories may be fetched from, and how (``charts:``)."""


def load_repo_config(root: Path, file: Path | None = None) -> RepoConfig:
    """Read ``root/.gitops-validator.yaml`` (or ``file``, named by the user: ``render
    --config``; its paths are still relative to ``root``); raise :class:`ConfigError`
    naming file and line."""
    path = root / CONFIG_FILE if file is None else file
    name = CONFIG_FILE if file is None else str(file)
    if file is not None and not path.is_file():
        raise ConfigError(f"{name}: no such configuration file")
    if file is None and path.is_symlink() and not _inside(root, path):  # quoted in errors
        raise ConfigError(f"{CONFIG_FILE}: a symlink leaving the repository; refused")
    if not path.is_file():
        return RepoConfig()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read: {exc.strerror}") from exc
    if len(raw) > _MAX_BYTES:
        raise ConfigError(f"{name}: larger than {_MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
        data = load_single_document(text, LoadLimits())
    except LimitExceededError as exc:
        raise ConfigError(f"{name}:{exc.line or 1}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: not UTF-8: {exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise ConfigError(f"{name}:{line}: YAML syntax error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: YAML error: {exc}") from exc
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # !!int abc and the like
        raise ConfigError(f"{name}: a value cannot be read: {exc}") from exc
    data = {} if data is None else data
    if isinstance(data, dict) and data.get("agents") is False:  # `agents: off`, read as YAML 1.1
        data["agents"] = "off"
    if isinstance(data, dict) and isinstance(data.get("rules"), dict):  # YAML 1.1 reads off as false
        data["rules"] = {key: "off" if value is False else value for key, value in data["rules"].items()}
    locator = TextLocator(text, path=name)
    _validate(data, locator, name)
    return _build(cast("dict[str, Any]", data), locator, name)  # the schema requires an object


def _validate(data: object, locator: TextLocator, name: str = CONFIG_FILE) -> None:
    import jsonschema  # noqa: PLC0415 - costs a tenth of a second; only repos with a config pay

    schema = json.loads(data_resource(SCHEMA_FILE).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    messages = []
    for error in sorted(validator.iter_errors(data), key=lambda e: e.json_path):
        where = tuple(error.absolute_path)
        message = plain_message(error)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            extra = [key for key in error.instance if key not in known]
            if extra:
                where = (*where, str(extra[0]))
                message = f"unknown key {extra[0]!r} (allowed: {', '.join(sorted(known))})"
        line = locator.locate(0, where).line
        field_name = ".".join(str(part) for part in where)
        if not field_name and error.validator == "type":
            message = f"the file must be a mapping of keys to values, not {yaml_type(error.instance)}"
        messages.append(f"{name}:{line}: {field_name + ': ' if field_name else ''}{message}")
    if not messages:
        messages = [f"{name}:{locator.locate(0, where).line}: {'.'.join(map(str, where))}: "
                    f"{value!r} leaves the repository; paths in this file are relative to its "
                    "root and stay inside it" for where, value in _root_paths(data) if _leaves(value)]
    if messages:
        raise ConfigError("\n".join(messages))


def _root_paths(data: object) -> list[tuple[tuple[str | int, ...], str]]:
    """Where the (schema-valid) file names a path relative to the repository root, and the path."""
    if not isinstance(data, dict):
        return []
    found: list[tuple[tuple[str | int, ...], str]] = []
    for key in ("policies", "schema_dirs"):
        for i, value in enumerate(data.get("settings", {}).get(key, ())):
            found.append((("settings", key, i), value))
    for kind, key in (("kustomize", "path"), ("helm", "chart")):
        for i, entry in enumerate(data.get("targets", {}).get(kind, ())):
            found.append((("targets", kind, i, key), entry[key]))
    for i, entry in enumerate(data.get("charts", {}).get("local", ())):
        found.append((("charts", "local", i, "path"), entry["path"]))
    return found


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path`` resolves (symlinks followed) to a place under ``root``."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
    except OSError:
        return False


def _leaves(path: str) -> bool:
    """Whether a root-relative ``path`` leaves the root as written (``..`` past it)."""
    return os.path.normpath(path).split("/", 1)[0] == ".."


def _build(data: dict[str, Any], locator: TextLocator, name: str = CONFIG_FILE) -> RepoConfig:
    targets = data.get("targets", {})
    kustomize = tuple(
        KustomizeTargetConfig(path=_clean(entry["path"]), name=entry.get("name", ""),
                              line=locator.locate(0, ("targets", "kustomize", i)).line)
        for i, entry in enumerate(targets.get("kustomize", ())))
    helm = tuple(
        HelmTargetConfig(chart=_clean(entry["chart"]), name=entry.get("name", ""),
                         release=entry.get("release", ""), namespace=entry.get("namespace", ""),
                         values=tuple(entry.get("values", ())),
                         line=locator.locate(0, ("targets", "helm", i)).line)
        for i, entry in enumerate(targets.get("helm", ())))
    raw = data.get("settings", {})

    def strings(key: str) -> tuple[str, ...] | None:
        return tuple(raw[key]) if key in raw else None

    settings = RepoSettings(
        kubernetes_version=raw.get("kubernetes_version"), strict=raw.get("strict"),
        policies=strings("policies"), schema_dirs=strings("schema_dirs"),
        namespaces=strings("namespaces"), fail_on=raw.get("fail_on"),
        skip_kinds=strings("skip_kinds"), jobs=raw.get("jobs"),
        render_timeout=float(raw["render_timeout"]) if "render_timeout" in raw else None,
        include_helm_tests=raw.get("include_helm_tests"))
    rules = tuple(RuleOverride(rule_id=str(rule_id), level=RuleLevel(level),
                               source=f"{name}:{locator.locate(0, ('rules', rule_id)).line}: "
                                      f"rules.{rule_id}")
                  for rule_id, level in data.get("rules", {}).items())
    agents = AgentConfig(
        mode=AgentMode(data.get("agents", "auto")),
        repository_urls=tuple(data.get("repository_urls", ())),
        clusters=tuple(ClusterConfig(name=c["name"], server=c["server"],
                                     labels=dict(c.get("labels", {})),
                                     annotations=dict(c.get("annotations", {})))
                       for c in data.get("clusters", ())),
        max_depth=data.get("agent_depth", AgentConfig.max_depth))
    return RepoConfig(path=name, discover=targets.get("discover", True),
                      all_kustomizations=targets.get("all_kustomizations", False),
                      kustomize=kustomize, helm=helm, ignore=tuple(data.get("ignore", ())),
                      settings=settings, rules=rules, agents=agents,
                      charts=parse_charts(data.get("charts", {}),
                                          lambda where: locator.locate(0, where).line))


def _clean(path: str) -> str:
    """Normalise ``./apps/web/`` to ``apps/web``."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return "/".join(parts) or "."
