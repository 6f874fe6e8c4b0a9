"""One walk over a repository: kustomization dirs, chart dirs, manifests, and the rest.

Hidden files and directories, the configuration file and ``ignore`` globs are
ignored with their reason, and so are named pipes, devices and sockets (reading one
could block) and folders too deep to walk (a ``load/limit`` finding); symlinks that
leave the repository are refused with a finding; symlinked directories inside it are
not followed (their target is scanned where it is). Everything under a chart directory belongs to the chart.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from validator.load.files import special_file_kind
from validator.model import Engine, Finding, Location, Severity
from validator.render.kustomization import find_kustomization_file
from validator.render.paths import inside_root, repo_relative, resolved_relative
from validator.render.walk import MAX_DEPTH, walk
from validator.repo_config import CONFIG_FILE, RepoConfig

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class RepoScan:
    """The files of one repository, sorted into what discovery needs."""

    def __init__(self, root: Path, config: RepoConfig) -> None:
        self.root, self.config = root, config
        self.kustomize_dirs: list[str] = []
        self.chart_dirs: list[str] = []
        self.manifests: list[str] = []
        self.others: list[str] = []
        self.chart_files: dict[str, list[str]] = {}
        self.ignored: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.links: set[str] = set()
        """Repository-relative symlinks that resolve inside the repository."""

    def excluded(self, rel: str, is_dir: bool) -> bool:
        name = rel.rsplit("/", 1)[-1]
        if rel == CONFIG_FILE:
            self.ignored[rel] = "the validator's configuration file"
        elif name.startswith("."):
            self.ignored[rel] = f"hidden {'directory' if is_dir else 'file'}"
        elif pattern := next((p for p in self.config.ignore if _glob(rel, p, is_dir)), None):
            self.ignored[rel] = f"matches ignore pattern {pattern!r} in {CONFIG_FILE}"
        else:
            return False
        return True

    def walk(self) -> None:
        def unreadable(error: OSError) -> None:  # reported, never silently passed over
            where = repo_relative(self.root, Path(error.filename)) if error.filename else "."
            self.ignored[where] = f"cannot be read: {error.strerror or error}"

        for current, dirs, files in walk(self.root, onerror=unreadable, too_deep=self._too_deep):
            here = Path(current)
            rel_dir = repo_relative(self.root, here)
            if (here / "Chart.yaml").is_file():
                self.chart_dirs.append(rel_dir)
                self.chart_files[rel_dir] = self._chart_files(here)
                dirs.clear()
                continue
            if find_kustomization_file(here) is not None:
                self.kustomize_dirs.append(rel_dir)
            for name in sorted(dirs):
                rel = repo_relative(self.root, here / name)
                if self.excluded(rel, True) or self._symlink(here / name, rel, True):
                    dirs.remove(name)
            for name in sorted(files):
                rel = repo_relative(self.root, here / name)
                if self.excluded(rel, False) or self._symlink(here / name, rel, False):
                    continue
                if kind := special_file_kind(here / name):  # reading it could block forever
                    self.ignored[rel] = f"not a regular file ({kind}); not read"
                    continue
                if name.endswith(MANIFEST_SUFFIXES):
                    self.manifests.append(rel)
                elif name != "Kustomization":
                    self.others.append(rel)

    def _symlink(self, path: Path, rel: str, is_dir: bool) -> bool:
        if not path.is_symlink():
            return False
        if inside_root(self.root, path):
            self.links.add(rel)
            if not is_dir:
                return False
            self.ignored[rel] = "symlink to a directory inside the repository (scanned there)"
            return True
        self.ignored[rel] = "symlink leaving the repository (refused)"
        self.findings.append(Finding(
            rule_id="render/symlink-escape", severity=Severity.ERROR, engine=Engine.RENDER,
            message=f"{rel} is a symlink to {path.readlink()}, outside the repository; "
                    "refused", location=Location(path=rel)))
        return True

    def _chart_files(self, chart: Path) -> list[str]:
        found: list[str] = []
        for current, dirs, files in walk(chart, too_deep=self._too_deep):
            for name in files:
                found.append(repo_relative(self.root, Path(current) / name))
                if (Path(current) / name).is_symlink() and inside_root(self.root, Path(current) / name):
                    self.links.add(found[-1])
            for name in dirs:
                link = Path(current) / name
                real = resolved_relative(self.root, link) if link.is_symlink() else None
                if real is not None:  # helm follows it
                    self.links.add(repo_relative(self.root, link))
                    found += (repo_relative(self.root, Path(here) / file)
                              for here, _, names in walk(self.root / real, too_deep=self._too_deep)
                              for file in names)
        return sorted(set(found))

    def _too_deep(self, folder: str) -> None:
        rel = repo_relative(self.root, Path(folder))
        self.ignored[rel] = f"more than {MAX_DEPTH} folders deep; not read"
        self.findings.append(Finding(
            rule_id="load/limit", severity=Severity.ERROR, engine=Engine.RENDER,
            message=f"{rel}: folders nested more than {MAX_DEPTH} deep; nothing under it "
                    "is read or checked", location=Location(path=rel)))


def _glob(rel: str, pattern: str, is_dir: bool) -> bool:
    if pattern.endswith("/"):
        return is_dir and fnmatch.fnmatchcase(rel, pattern.rstrip("/"))
    return fnmatch.fnmatchcase(rel, pattern)
