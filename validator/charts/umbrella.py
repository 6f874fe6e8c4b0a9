"""Umbrella charts: a chart of the repository whose ``Chart.yaml`` dependencies are not vendored
under ``charts/`` gets them from allowlisted repositories, and is rendered from a copy.

The checked repository is never written to: the chart folder is copied into the run's
temporary root and the fetched dependencies are put under the copy's ``charts/``; the
render (still without network) templates the copy (``HelmOptions.chart_root``). A dependency
that cannot be had (no repository, a repository not allowlisted, a range, a failed fetch)
keeps the whole chart unrendered, with a finding on its ``dependencies`` entry.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from validator.charts.allowlist import is_chart_name
from validator.charts.config import ChartSettings
from validator.charts.fetch import fetch_chart
from validator.charts.model import NOT_ALLOWED, ChartRequest, FetchedChart
from validator.model import Engine, Finding, Location, Severity
from validator.render.options import HelmOptions
from validator.render.paths import escaping_symlinks, repo_relative
from validator.render.sourcemap import parse_text
from validator.render.targets import Target
from validator.render.walk import walk

MISSING = "render/helm-dependency-missing"


@dataclass(frozen=True, kw_only=True)
class _Dependency:
    name: str
    version: str
    repository: str
    line: int


def prepare_chart(root: Path, target: Target, charts: ChartSettings
                  ) -> tuple[Target, list[Finding]]:
    """``target`` ready to render: unchanged when every dependency is vendored, else with
    ``helm.chart_root`` set to a copy holding the fetched ones; or the findings that keep it
    from being rendered."""
    if target.helm is not None and target.helm.chart_root:
        return target, []  # a fetched chart, or already prepared, is rendered as it is
    path = f"{target.path}/Chart.yaml"
    if any(escaping_symlinks(root, root / target.path)):
        return target, []  # refused by the render before anything is read, fetched or copied
    try:
        source = parse_text((root / path).read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError):
        return target, [_finding(path, 0, "render/helm-failed", "cannot read Chart.yaml")]
    meta = source.bodies[0] if source.bodies else None
    listed = meta.get("dependencies") if isinstance(meta, dict) else None
    vendored = root / target.path / "charts"
    findings: list[Finding] = []
    fetched: dict[tuple[str, str], FetchedChart] = {}
    for i, entry in enumerate(listed if isinstance(listed, list) else ()):
        dependency = _dependency(entry, source.locator.locate(0, ("dependencies", i)).line)
        if dependency is None or (is_chart_name(dependency.name) and (
                (vendored / dependency.name / "Chart.yaml").is_file()
                or any(vendored.glob(f"{dependency.name}-*.tgz")))):
            continue
        result = _fetch(dependency, path, target.path, charts)
        if isinstance(result, FetchedChart):
            fetched[dependency.name, dependency.version] = result
        else:
            findings.append(result)
    if findings or not fetched:
        return target, findings
    try:
        copy = _copy_with_dependencies(root, target.path, fetched)
    except (OSError, shutil.Error, RecursionError) as exc:
        return target, [_finding(path, 0, "render/helm-failed", f"chart {target.path} cannot be "
                                 f"copied to add its dependencies: {exc}")]
    helm = replace(target.helm or HelmOptions(), chart_root=str(copy), chart_copy=True)
    return replace(target, helm=helm), []


def _dependency(entry: Any, line: int) -> _Dependency | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return None
    return _Dependency(name=entry["name"], version=str(entry.get("version", "") or ""),
                       repository=str(entry.get("repository", "") or ""), line=line)


def _fetch(dependency: _Dependency, path: str, chart: str,
           charts: ChartSettings) -> FetchedChart | Finding:
    """The fetched dependency, or the finding on its entry in Chart.yaml."""
    remote = dependency.repository.startswith(("http://", "https://", "oci://"))
    where = (f"dependency {dependency.name!r} version {dependency.version!r}"
             + (f" from {dependency.repository}" if dependency.repository else ""))
    if not remote:
        return _finding(path, dependency.line, MISSING,
                        f"{where} is not vendored under {chart}/charts/; rendering uses no "
                        "network: run `helm dependency build` and commit the chart archive")
    result = fetch_chart(ChartRequest(repo_url=dependency.repository, chart=dependency.name,
                                      version=dependency.version, path=path,
                                      line=dependency.line), charts)
    if isinstance(result, Finding) and result.rule_id == NOT_ALLOWED:
        return _finding(path, dependency.line, MISSING,
                        f"{where} is not vendored under {chart}/charts/ and its repository is "
                        "not in charts.repositories of .gitops-validator.yaml: chart not "
                        "rendered (allowlist the repository, or vendor the dependency with "
                        "`helm dependency build`)")
    return result


def _copy_with_dependencies(root: Path, path: str,
                            fetched: dict[tuple[str, str], FetchedChart]) -> Path:
    """A copy of ``chart`` in the run's temporary root with ``charts/<name>-<version>/`` filled
    (helm finds a subchart by its Chart.yaml, whatever the folder is called; two versions of
    one chart under two aliases need two folders).

    Links are copied as what they point at (the caller made sure none leaves the repository):
    a relative link copied as a link would point elsewhere from the copy. A link to a folder
    is refused: followed, ``d/a -> .`` and ``d/b -> .`` copy ``d`` 2^n times."""
    chart = root / path
    linked = _folder_links(chart)
    if linked is not None:
        raise shutil.Error(f"{repo_relative(root, linked)} is a link to a folder (links to files "
                           "are copied, links to folders are not)")
    base = Path(tempfile.mkdtemp(prefix="gitops-validator-umbrella-"))
    copy = base / chart.name
    shutil.copytree(chart, copy, symlinks=False)
    for (name, version), dependency in fetched.items():
        shutil.copytree(dependency.path, copy / "charts" / f"{name}-{version}", symlinks=True)
    return copy


def _folder_links(chart: Path) -> Path | None:
    """The first link to a folder under ``chart`` (walked without following links), if any."""
    for current, dirs, _files in walk(chart):
        for name in sorted(dirs):
            if (Path(current) / name).is_symlink():
                return Path(current) / name
    return None


def _finding(path: str, line: int, rule: str, message: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.RENDER,
                   location=Location(path=path, line=line))
