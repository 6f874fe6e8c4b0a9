"""The service every way in calls: ``run_check``, ``run_diff`` and ``run_render``, from
settings to a report (``run_render``: to the objects ``check`` would validate, printed by
``gitops-validator render``).

The CLI (and later the Action adapter and the webhook app) only translates its inputs
into a :class:`CheckRequest` or a :class:`DiffRequest` and its outputs from the returned
:class:`CheckResult` or :class:`DiffReport` (each with the report and ``exit_code()``);
nothing here reads flags, the environment or the terminal. Every call is one job of the
process's lifecycle (:mod:`validator.lifecycle`), so a server can run several at once.

``run_diff`` judges a change, not a repository:

1. the base and head revisions are resolved and materialised in temporary folders
   (:mod:`validator.change.snapshot`; the user's checkout is never touched), and so is the
   *trusted* revision (``--trusted-ref``, default the base) the policies, Rego data,
   schemas and ``.gitops-validator.yaml`` come from: never from the head, so a change that
   deletes or weakens a policy is judged by the policy it deletes;
2. both sides are planned and only the targets the change affects are rendered and
   validated (a change to a trusted path affects every target);
3. the head's findings are compared with the base's (new / existing / fixed, through
   git's renames) and the rendered objects of both sides are diffed;
4. when the change touches policy files, the head's policy unit tests also run and are
   reported apart (a failing one blocks).
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from validator import pipeline
from validator.agents.repo_urls import with_remote_urls
from validator.change.affected import AffectedPlan, Side, affected_targets
from validator.change.block import Block
from validator.change.compare import compare_reports
from validator.change.diff_files import read_change
from validator.change.model import Change, ChangeStatus, FileChange
from validator.change.plan_reuse import Listings, base_files, same_plan_listings, unneeded
from validator.change.rebase import config_root, rebase, under
from validator.change.rendered_diff import RenderedDiff, rendered_diff
from validator.change.revisions import WORKTREE, Revisions, resolve_commit, resolve_revisions
from validator.change.since import trusted_paths
from validator.change.snapshot import (
    Snapshot,
    TreeEntry,
    lazy_snapshot,
    materialise,
    prune,
)
from validator.config import CheckSettings, FailOn, absolute, resolve_check_settings
from validator.errors import PolicyError, UsageError
from validator.lifecycle import current
from validator.load import Document
from validator.load.safety import gc_paused
from validator.model import (
    Engine,
    Finding,
    FindingStatus,
    Location,
    Report,
    Severity,
    natural_path_key,
    sort_findings,
)
from validator.options import CheckOptions
from validator.pipeline import check_documents, diff_exit_code, exit_code
from validator.policy.library import is_builtin
from validator.policy.testing import run_policy_tests
from validator.policy.testing_report import policy_test_report
from validator.render import discover_targets
from validator.render.select import select_target
from validator.render.targets import TargetPlan
from validator.render.walk import walk
from validator.repo_config import CONFIG_FILE, RepoConfig, load_repo_config
from validator.report.rendered_yaml import RenderedObject
from validator.run_scope import run_scope
from validator.stages import Progress

if TYPE_CHECKING:
    from validator.policy.evaluate import PolicyEngine

__all__ = ["CheckRequest", "CheckResult", "DiffReport", "DiffRequest", "RenderOutput", "RenderRequest",
           "SideTarget", "run_check", "run_diff", "run_render"]


@dataclass(frozen=True, kw_only=True)
class CheckRequest:
    """One ``check`` job, as every way in describes it."""

    root: Path
    """The repository root (report paths are relative to it)."""
    paths: tuple[str, ...] = (".",)
    """Root-relative files and folders to check."""
    options: CheckOptions = field(default_factory=CheckOptions)
    """The check options."""
    explicit: frozenset[str] = frozenset()
    """Options the caller set explicitly (they beat the repository's configuration file)."""
    all_kustomizations: bool = False
    """Build every kustomization (see docs/targets.md)."""


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """What ``run_check`` found, and what the exit code is made of."""

    report: Report
    """The findings, resources and skipped files of the check."""
    root: Path
    """The repository root the report's paths are relative to."""
    fail_on: FailOn = FailOn.ERROR
    """The ``fail_on`` in force (the flag, else the configuration file, else the default)."""

    def exit_code(self) -> int:
        """1 when a finding reaches ``fail_on``, else 0 (usage and tool errors raise)."""
        return exit_code(self.report, self.fail_on)


def run_check(request: CheckRequest, *, progress: Progress | None = None) -> CheckResult:
    """Check the repository of ``request`` (configuration read from its root); one job of
    the process's lifecycle (:func:`validator.lifecycle.current`)."""
    repo = load_repo_config(request.root)
    if request.all_kustomizations:
        repo = replace(repo, all_kustomizations=True)
    settings = resolve_check_settings(request.options.as_mapping(), explicit=set(request.explicit),
                                      root=request.root,
                                      paths=[request.root / p for p in request.paths], repo=repo)
    with current().job():
        report = pipeline.run_check(settings, progress=progress)
    return CheckResult(report=report, root=request.root, fail_on=settings.fail_on)


@dataclass(frozen=True, kw_only=True)
class RenderRequest:
    """One ``render`` job: print what ``check`` would validate, as every way in describes it."""

    root: Path
    """The repository root (source paths are relative to it)."""
    paths: tuple[str, ...] = (".",)
    """Root-relative files and folders whose targets are rendered (planned as ``check`` plans)."""
    target: str | None = None
    """Render only the target of this name (None: every target of the plan)."""
    config: Path | None = None
    """The configuration file to read instead of the root's ``.gitops-validator.yaml``."""
    options: CheckOptions = field(default_factory=CheckOptions)
    """The check options (only the render ones matter: Kubernetes version, Helm tests, limits)."""
    explicit: frozenset[str] = frozenset()
    """Options the caller set explicitly (they beat the configuration file)."""
    all_kustomizations: bool = False
    """Build every kustomization (see docs/targets.md)."""


@dataclass(frozen=True, kw_only=True)
class RenderOutput:
    """What ``run_render`` rendered: the objects ``check`` would validate, and what went wrong."""

    objects: tuple[RenderedObject, ...]
    """Every object in check order, each with its source file and line and its target."""
    report: Report
    """The render and load findings (each at a file and line) and what was not rendered."""
    targets: tuple[str, ...]
    """The names of the targets rendered."""

    def exit_code(self) -> int:
        """1 when a target failed to render (an error finding), else 0."""
        return 1 if any(f.severity is Severity.ERROR for f in self.report.findings) else 0


def run_render(request: RenderRequest) -> RenderOutput:
    """Render the targets of ``request`` exactly as ``check`` renders them (same plan, same
    render settings, same :func:`validator.pipeline.render_plan`), without validating them;
    one job of the process's lifecycle. An unknown ``target`` raises :class:`UsageError`
    naming the closest target names."""
    repo = load_repo_config(request.root, request.config)
    if request.all_kustomizations:
        repo = replace(repo, all_kustomizations=True)
    options = replace(request.options, no_schema=True, no_policy=True)  # nothing judged here
    settings = resolve_check_settings(options.as_mapping(), explicit=set(request.explicit),
                                      root=request.root,
                                      paths=[request.root / p for p in request.paths], repo=repo)
    with current().job(), gc_paused(), run_scope():
        plan = discover_targets(settings.root, settings.paths, repo)
        if request.target is not None:
            plan = select_target(plan, request.target)
        followed = pipeline.render_plan(settings, plan)
        result = followed.result
        objects = tuple(map(_rendered, result.documents))  # located while the run's files exist
    report = Report(findings=sort_findings(result.findings), resources=len(objects),
                    files=result.files_read,
                    skipped=tuple(sorted((*result.skipped, *plan.skipped, *followed.skipped),
                                         key=lambda s: (natural_path_key(s.path), s.reason))))
    return RenderOutput(objects=objects, report=report,
                        targets=tuple(t.name for t in (*plan.targets, *followed.targets)))


def _rendered(document: Document) -> RenderedObject:
    """``document`` with the file and line of the object as a whole (``locate(())``: a Helm
    object's template, a Kustomize object's origin, a plain document's first line)."""
    where = document.locate(())
    return RenderedObject(body=document.body, source=where.path, line=where.line,
                          target=document.target or document.path)  # a plain file is its target


@dataclass(frozen=True, kw_only=True)
class DiffRequest:
    """One ``diff`` job, as every way in describes it."""

    folder: Path
    """A folder inside the git working tree to compare; the validated root is the nearest
    folder at or above it with a ``.gitops-validator.yaml`` in the trusted revision (else
    the top of the working tree), as ``check`` finds its root."""
    paths: tuple[str, ...] = (".",)
    """Files and folders to check (on both sides), relative to the top of the git working
    tree (not to the validated root); each must be inside the validated root."""
    base: str | None = None
    """``--base`` (None: the merge base of the head and the default branch)."""
    head: str | None = None
    """``--head`` (None: ``HEAD``)."""
    worktree: bool = False
    """The head is the working tree with its uncommitted edits."""
    trusted_ref: str | None = None
    """Where policies, data, schemas and configuration come from (None: the base)."""
    options: CheckOptions = field(default_factory=CheckOptions)
    """The check options (what ``check``'s flags set, defaults included)."""
    explicit: frozenset[str] = frozenset()
    """Options the user set explicitly (they beat the trusted configuration file)."""
    all_kustomizations: bool = False
    """Build every kustomization (see docs/targets.md)."""
    block: Block = Block.NEW
    """Which findings decide the exit code with ``fail_on``."""


@dataclass(frozen=True, kw_only=True, order=True)
class SideTarget:
    """A target rendered on one side, and the changed files that made it affected."""

    name: str
    """The target's name (its path, or ``chart@values``)."""
    side: Side
    """:attr:`Side.BASE` or :attr:`Side.HEAD` (a target on both is listed once per side)."""
    causes: tuple[str, ...]
    """The changed paths that made it affected (empty: it exists on this side only, or a
    trusted path changed)."""
    changes: tuple[FileChange, ...] = ()
    """The changed files of ``causes``, with how each changed (added, modified, renamed...)."""


@dataclass(frozen=True, kw_only=True)
class DiffReport:
    """What ``run_diff`` found."""

    report: Report
    """The head's findings with their status, and the base's fixed findings."""
    revisions: Revisions
    """The compared revisions."""
    root: str = ""
    """The validated root, relative to the top of the working tree (``""``: the top): the
    report's and the change's paths are relative to it."""
    trusted: str
    """The commit policies, schemas and configuration came from."""
    change: Change
    """The changed files."""
    rendered: tuple[SideTarget, ...]
    """Every target rendered, per side, with what made it affected."""
    full: bool
    """A trusted path changed: every target was checked."""
    diff: RenderedDiff
    """The rendered objects, base against head."""
    policy_tests: Report | None = None
    """The head's policy unit tests, when the change touches policy files; else None."""
    defaults: tuple[str, ...] = ()
    """What the trusted revision lacked and which default was used instead."""
    fail_on: FailOn = FailOn.ERROR
    """The ``--fail-on`` in force."""
    block: Block = Block.NEW
    """The ``--block`` in force."""

    def exit_code(self) -> int:
        """1 when a blocking finding reaches ``fail_on`` or a head policy test fails, else 0."""
        failed_tests = self.policy_tests is not None and bool(self.policy_tests.findings)
        return max(diff_exit_code(self.report, self.fail_on, self.block), int(failed_tests))


def run_diff(request: DiffRequest, *, progress: Progress | None = None) -> DiffReport:
    """Compare the head of ``request`` with its base (see the module docstring); one job
    of the process's lifecycle (:func:`validator.lifecycle.current`)."""
    with current().job():
        return _run_diff(request, progress)


def _run_diff(request: DiffRequest, progress: Progress | None) -> DiffReport:
    revisions = resolve_revisions(request.folder, base=request.base, head=request.head,
                                  worktree=request.worktree)
    trusted_sha = (resolve_commit(revisions.repo, request.trusted_ref)
                   if request.trusted_ref else revisions.base)
    prefix = config_root(revisions.repo, trusted_sha, _start(request.folder, revisions.repo))
    request = replace(request, paths=_rooted(request.paths, prefix))
    with ThreadPoolExecutor(max_workers=1) as pool:  # git runs both at once
        reusable = pool.submit(_reusable, revisions, prefix)
        change = rebase(read_change(revisions), prefix)
        listings = reusable.result()  # when the base can be written lazily
    # one scope for both sides (they run in two threads): one temporary root
    with gc_paused(), run_scope(), contextlib.ExitStack() as stack:
        written = [revisions.head] if listings else [revisions.base, revisions.head]
        if prefix:  # the lazy trusted snapshot below writes the top's trusted files, not the root's
            written.append(trusted_sha)
        folders = stack.enter_context(_snapshots(
            revisions.repo, tuple(written), {revisions.head: list(listings[1].values())} if listings else {}))
        lazy = None
        if listings is not None:
            lazy = stack.enter_context(lazy_snapshot(revisions.repo, revisions.base, entries=listings[0]))
            folders = {**folders, revisions.base: lazy.root}
        if trusted_sha not in folders:  # a trusted revision of its own: only its trusted files
            trusted = stack.enter_context(lazy_snapshot(revisions.repo, trusted_sha))
            _write_trusted(request, trusted)
            folders = {**folders, trusted_sha: trusted.root}
        result = _diff(request, revisions=revisions, change=change, trusted_sha=trusted_sha,
                       roots=_Roots(base=folders[revisions.base] / prefix,
                                    head=folders[revisions.head] / prefix,
                                    trusted=folders[trusted_sha] / prefix),
                       progress=progress, lazy=lazy, head_listing=listings[1] if listings else None)
    return replace(result, root=prefix)


def _reusable(revisions: Revisions, prefix: str) -> Listings | None:
    """Both listings when the head's plan stands for the base's: two commits that differ, and
    a validated root at the top of the checkout (plans and lazy writes name paths of the root;
    a sub-folder root takes the full snapshots)."""
    if prefix or revisions.head in (WORKTREE, revisions.base):  # the same commit: one snapshot
        return None
    return same_plan_listings(revisions.repo, revisions.base, revisions.head)


def _start(folder: Path, top: Path) -> str:
    """``folder`` relative to the top of the working tree (where the root search starts).

    Links are followed only up to the top (the checkout may be reached through one); below
    it the path is taken as written: the working tree holds the head under review, and a
    folder it turned into a link must not move the search (and so the root) elsewhere."""
    real_top = top.resolve()
    parts = absolute(folder).parts
    for depth in range(1, len(parts) + 1):
        if Path(*parts[:depth]).resolve() == real_top:
            return "/".join(parts[depth:])  # normalised by absolute(): no "." or ".."
    real = folder.resolve()
    return real.relative_to(real_top).as_posix() if real.is_relative_to(real_top) else ""


def _rooted(paths: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    """Working-tree-relative ``paths`` made relative to the validated root ``prefix``: a path
    at or above the root selects all of it, one outside it is an error."""
    rooted = []
    for path in paths:
        normal = posixpath.normpath(path.strip("/") or ".")
        if normal in (".", prefix) or under(prefix, normal) is not None:
            rooted.append(".")
        elif (inside := under(normal, prefix)) is not None:
            rooted.append(inside)
        else:
            raise UsageError(f"{path} is outside the validated root {prefix} (the folder of its "
                             f"{CONFIG_FILE} in the trusted revision): diff it on its own")
    return tuple(dict.fromkeys(rooted))


@contextlib.contextmanager
def _snapshots(repo: Path, revisions: tuple[str, ...],
               listed: Mapping[str, list[TreeEntry]] | None = None) -> Iterator[dict[str, Path]]:
    """Each distinct revision materialised, written and removed in parallel (file-system
    bound: two snapshots took longer than a one-app check); every snapshot started is
    removed however the block ends, one still being written (Ctrl-C) once it is written.
    ``listed``: the trees of revisions already listed (by commit)."""
    managers = {sha: materialise(repo, sha, entries=(listed or {}).get(sha))
                for sha in dict.fromkeys(revisions)}
    entered: dict[str, Path] = {}
    with ThreadPoolExecutor(max_workers=len(managers)) as pool:
        futures = {sha: pool.submit(manager.__enter__) for sha, manager in managers.items()}
        try:
            errors = [future.exception() for future in futures.values()]
            entered.update((sha, future.result()) for sha, future in futures.items()
                           if future.exception() is None)
            if (error := next((e for e in errors if e is not None), None)) is not None:
                raise error
            yield entered
        finally:
            for sha, future in futures.items():  # after an interruption: wait for each to end
                if sha not in entered and not future.cancel() and future.exception() is None:
                    entered[sha] = future.result()
            for removal in [pool.submit(managers[sha].__exit__, None, None, None) for sha in entered]:
                removal.result()


@dataclass(frozen=True, kw_only=True)
class _Roots:
    base: Path
    head: Path
    trusted: Path


def _diff(request: DiffRequest, *, revisions: Revisions, change: Change, trusted_sha: str,
          roots: _Roots, progress: Progress | None, lazy: Snapshot | None = None,
          head_listing: Mapping[str, TreeEntry] | None = None) -> DiffReport:
    repo = _trusted_config(request, roots, lazy)
    head = _settings(request, roots.head, roots.trusted, repo)
    base = _settings(request, roots.base, roots.trusted, repo, present=roots.head if lazy else None)
    trusted = _trusted_paths(head, roots.trusted, repo)
    unread: set[str] = set()
    early = any(path.endswith(_LIKELY_READ) for path in change.paths)
    with _engine_started(head, roots.trusted, early=early) as engine_of:
        if lazy is not None:
            base_plan = head_plan = _plan(head, repo)
            if _plan_shaped_by(head_plan, change.paths):  # the head's plan is not the base's
                lazy.write(None)
                base_plan = _plan(base, repo)
            affected = affected_targets(change, base=base_plan, head=head_plan, trusted=trusted)
            names = {a.target.name for a in affected.targets}
            lazy.write(None if affected.full else base_files(lazy.entries, head_plan, names, trusted))
            if not affected.full and roots.trusted != roots.head:
                unread = unneeded(head_plan, names, trusted)
        else:
            base_plan, head_plan = _plan(base, repo), _plan(head, repo)
            affected = affected_targets(change, base=base_plan, head=head_plan, trusted=trusted)
        with _pruning(roots.head, head_listing or {}, unread):
            return _judge(request, revisions=revisions, change=change, trusted_sha=trusted_sha,
                          roots=roots, progress=progress, settings=(base, head),
                          plans=(base_plan, head_plan), affected=affected, engine_of=engine_of)


def _plan_shaped_by(plan: TargetPlan, paths: Iterable[str]) -> bool:
    """Whether one of ``paths`` shaped ``plan`` itself without holding an agent object (a
    file an ApplicationSet's git files generator read: ``Target.plan_inputs``), which the
    listing-based reuse test (:mod:`validator.change.plan_reuse`) cannot see."""
    shaping = {path for target in plan.targets for path in target.plan_inputs}
    return any(path in shaping for path in paths)


@contextlib.contextmanager
def _pruning(root: Path, listing: Mapping[str, TreeEntry], paths: set[str]) -> Iterator[None]:
    """The head's files only unaffected targets read removed in the background for the block
    (:func:`snapshot.prune`: removing a snapshot took as long as checking a one-app change);
    stopped and waited for when the block ends, however it ends."""
    if not paths:
        yield
        return
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(prune, root, listing, sorted(paths), stop)
        try:
            yield
        finally:
            stop.set()


def _judge(request: DiffRequest, *, revisions: Revisions, change: Change, trusted_sha: str,
           roots: _Roots, progress: Progress | None, settings: tuple[CheckSettings, CheckSettings],
           plans: tuple[TargetPlan, TargetPlan], affected: AffectedPlan,
           engine_of: Callable[[], PolicyEngine | None]) -> DiffReport:
    """Both sides' affected targets checked, compared and diffed."""
    (base, head), (base_plan, head_plan) = settings, plans
    head_causes = _causes(affected, Side.HEAD)
    base_causes = _causes(affected, Side.BASE)
    engine = engine_of() if head_causes or base_causes else None
    with ThreadPoolExecutor(max_workers=1) as pool:  # the two sides overlap
        head_side = pool.submit(_check, head, head_plan, head_causes, progress, engine)
        base_report, base_documents = _check(base, base_plan, base_causes, None, engine)
        head_report, head_documents = head_side.result()
    renames = {f.old_path: f.path for f in change.files
               if f.status is ChangeStatus.RENAMED and f.old_path}
    compared = compare_reports(head=head_report, base=base_report, renames=renames)
    by_path = {f.path: f for f in change.files}
    rendered = tuple(sorted(
        [SideTarget(name=n, side=side, causes=c, changes=tuple(by_path[p] for p in c if p in by_path))
         for side, causes in ((Side.HEAD, head_causes), (Side.BASE, base_causes))
         for n, c in causes.items()],
        key=lambda t: (natural_path_key(t.name), t.side)))
    return DiffReport(
        report=compared, revisions=revisions, trusted=trusted_sha, change=change,
        rendered=rendered, full=affected.full, diff=rendered_diff(base_documents, head_documents),
        policy_tests=_policy_tests(change, head, roots), defaults=_defaults(roots.trusted, head),
        fail_on=head.fail_on, block=request.block)


def _repo_config(request: DiffRequest, trusted: Path) -> RepoConfig:
    """The trusted configuration, which also lists the working repository's git remotes:
    the revisions are snapshots without ``.git``, and agent objects name this repository
    by its remote URLs."""
    repo = load_repo_config(trusted)
    repo = replace(repo, agents=with_remote_urls(repo.agents, request.folder))
    return replace(repo, all_kustomizations=True) if request.all_kustomizations else repo


def _trusted_config(request: DiffRequest, roots: _Roots, lazy: Snapshot | None) -> RepoConfig:
    """The trusted configuration; when the base is written lazily and is the trusted revision,
    its trusted files are written first (:func:`_write_trusted`)."""
    if lazy is not None and roots.trusted == roots.base:
        _write_trusted(request, lazy)
    return _repo_config(request, roots.trusted)


def _write_trusted(request: DiffRequest, trusted: Snapshot) -> None:
    """The trusted files of a revision written lazily: its configuration file, then the trusted
    folders that and the options name (``policies``, ``schemas``, data); the whole revision,
    to be sure, when one of those is a symlink (it may lead to files not written) or the
    settings resolved from them reach anything not written."""
    if _is_link(trusted, CONFIG_FILE):
        trusted.write()
        return
    trusted.write([CONFIG_FILE])
    repo = _repo_config(request, trusted.root)
    named = (*trusted_paths(repo), *_option_paths(request.options))
    folders = trusted.under(named)
    parents = {"/".join(parts[:i]) for parts in (n.split("/") for n in named)
               for i in range(1, len(parts) + 1)}
    if any(_is_link(trusted, path) for path in (*folders, *parents)):
        trusted.write()
        return
    trusted.write(folders)
    settings = _settings(request, trusted.root, trusted.root, repo)
    if set(trusted.under(_trusted_paths(settings, trusted.root, repo))) - trusted.written:
        trusted.write()


def _is_link(snapshot: Snapshot, path: str) -> bool:
    entry = snapshot.entries.get(path)
    return entry is not None and entry.mode == "120000"


def _option_paths(options: CheckOptions) -> list[str]:
    """The relative policy, data and schema paths the options name (inside the trusted root)."""
    values = (*options.policies, *options.data_paths, *options.schema_dirs)
    return [posixpath.normpath(str(v)) for v in values
            if not Path(v).is_absolute() and not is_builtin(str(v))]


def _settings(request: DiffRequest, root: Path, trusted: Path, repo: RepoConfig, *,
              present: Path | None = None) -> CheckSettings:
    """One side's settings: its own selected paths (those it has, or ``present`` has: a base
    written lazily lists the head's paths), the trusted root's rest."""
    there = present or root
    paths = [root / p for p in request.paths if (there / p).exists() or (there / p).is_symlink()]
    return resolve_check_settings(request.options.as_mapping(), explicit=set(request.explicit),
                                  root=root,
                                  paths=paths, repo=repo, trusted=trusted)


def _plan(settings: CheckSettings, repo: RepoConfig) -> TargetPlan:
    """The side's targets; none when the side has none of the selected paths (a new folder)."""
    if not settings.paths:
        return TargetPlan(targets=())
    return discover_targets(settings.root, settings.paths, repo)


@contextlib.contextmanager
def _engine_started(settings: CheckSettings, trusted: Path, *, early: bool
                    ) -> Iterator[Callable[[], PolicyEngine | None]]:
    """One policy engine (one OPA, one compile) for both sides, for the block: ``engine_of()``
    returns it (None without policies). The trusted policies are the same for base and head.
    ``early``: start it in the background now (OPA starts while the sides are planned), for a
    change likely to need it; else on the first ``engine_of()``. An engine started for nothing
    is stopped unused, and a failure to start one (a policy that does not compile) is only
    raised to whoever asks for it."""
    if settings.policy is None:
        yield lambda: None
        return
    from validator.policy.evaluate import PolicyEngine  # noqa: PLC0415 - only when policies run

    manager = PolicyEngine.open(settings.policy, root=trusted)
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = [pool.submit(manager.__enter__)] if early else []

        def engine_of() -> PolicyEngine | None:
            if not started:
                started.append(pool.submit(manager.__enter__))
            return started[0].result()

        try:
            yield engine_of
        finally:  # started or starting (Ctrl-C included): wait for it, then stop it
            if started and not started[0].cancel() and started[0].exception() is None:
                manager.__exit__(None, None, None)


#: A change to such a file is likely to reach a target: OPA is started while planning.
_LIKELY_READ = (".yaml", ".yml", ".json", ".rego", ".tpl")


def _check(settings: CheckSettings, plan: TargetPlan, affected: Mapping[str, tuple[str, ...]],
           progress: Progress | None, engine: PolicyEngine | None
           ) -> tuple[Report, tuple[Document, ...]]:
    """One side's report and documents: only its affected targets rendered and validated."""
    if not affected:  # nothing to render on this side: nothing to start either
        return Report(findings=(), resources=0, files=0), ()
    only = replace(plan, targets=tuple(t for t in plan.targets if t.name in affected))
    return check_documents(settings, progress=progress, plan=only, policy_engine=engine)


def _trusted_paths(settings: CheckSettings, trusted_root: Path, repo: RepoConfig) -> tuple[str, ...]:
    """Repository-relative trusted paths: the conventional ones, those the configuration
    names, and the policy, data and schema folders of the settings inside the trusted root."""
    named: list[str] = list(trusted_paths(repo))
    folders = list(settings.schema.schema_dirs if settings.schema else ())
    if settings.policy is not None:
        folders += [*settings.policy.policy_dirs, *settings.policy.data_paths]
    for folder in folders:
        if folder.is_relative_to(trusted_root.resolve()):
            named.append(folder.relative_to(trusted_root.resolve()).as_posix())
    return tuple(dict.fromkeys(named))


def _causes(affected: AffectedPlan, side: Side) -> dict[str, tuple[str, ...]]:
    """Name -> changed files, of the affected targets that exist on ``side`` (base or head)."""
    return {a.target.name: tuple(c.path for c in a.causes if c.path)
            for a in affected.targets if a.side in (side, Side.BOTH)}


def _policy_tests(change: Change, head: CheckSettings, roots: _Roots) -> Report | None:
    """The head's ``policy test`` run when the change touches a policy file (``*.rego``)."""
    if head.policy is None or not any(p.endswith(".rego") for p in change.paths):
        return None
    folders = [roots.head / folder.relative_to(roots.trusted.resolve())
               for folder in head.policy.policy_dirs if folder.is_relative_to(roots.trusted.resolve())]
    present = [folder for folder in folders if folder.exists() or folder.is_symlink()]
    if not present:
        return Report(findings=(), resources=0, files=0)
    if refused := [_refused(link, roots.head) for folder in present
                   for link in _links_out(folder, roots.head)]:
        return Report(findings=tuple(refused), resources=0, files=0)
    try:  # the head's tests are untrusted code: no network, OPA's memory and time bounded
        result = run_policy_tests(present, rego_version=head.policy.rego_version.value,
                                  timeout=head.policy.timeout, isolate_network=True)
    except PolicyError as exc:  # the head's policies or tests do not compile: a failed test run
        return Report(findings=(_not_compiling(exc, roots.head),), resources=0, files=0)
    report = policy_test_report(result, root=roots.head)
    return replace(report, findings=tuple(replace(f, status=FindingStatus.NEW)
                                          for f in report.findings))


def _links_out(folder: Path, root: Path) -> list[Path]:
    """Symbolic links at or under ``folder`` that lead outside ``root`` (or nowhere)."""
    inside = root.resolve()
    candidates = [folder, *(folder.parents[i] for i in range(len(folder.relative_to(root).parts) - 1))]
    if not folder.is_symlink() and folder.is_dir():
        candidates += [Path(top) / name for top, dirs, files in walk(folder)
                       for name in (*dirs, *files)]
    return sorted(path for path in candidates
                  if path.is_symlink() and not path.resolve().is_relative_to(inside))


def _refused(link: Path, root: Path) -> Finding:
    where = link.relative_to(root).as_posix()
    return Finding(rule_id="policy/test-refused", severity=Severity.ERROR, engine=Engine.POLICY,
                   title="The head's policy tests were not run",
                   message=f"{where} is a link leading outside the repository: the head's "
                           "policy tests were not run (they would read files outside it)",
                   location=Location(path=where), status=FindingStatus.NEW)


def _not_compiling(exc: PolicyError, head: Path) -> Finding:
    """The compile error of the head's policies, at the file and line it names."""
    message = str(exc).replace(f"{head.resolve()}/", "").replace(f"{head}/", "")
    where = _COMPILE_AT.match(message)
    return Finding(rule_id="policy/test-compile", severity=Severity.ERROR, engine=Engine.POLICY,
                   title="The head's policies or policy tests do not compile", message=message,
                   location=Location(path=where["path"] if where else ".",
                                     line=int(where["line"]) if where else 0),
                   status=FindingStatus.NEW)


_COMPILE_AT = re.compile(r"(?P<path>[^\s:]+):(?P<line>\d+):")


def _defaults(trusted: Path, settings: CheckSettings) -> tuple[str, ...]:
    """What the trusted revision lacks, and the default used in its place."""
    notes = []
    if not (trusted / CONFIG_FILE).is_file():
        notes.append(f"the trusted revision has no {CONFIG_FILE}: default settings used")
    if settings.policy is None:
        notes.append("the trusted revision has no policies/ folder and no --policy was given: "
                     "no policy evaluated")
    elif not any(Path(p).is_relative_to(trusted.resolve()) for p in settings.policy.policy_dirs):
        notes.append("policies: the bundled library or paths outside the trusted revision")
    return tuple(notes)

