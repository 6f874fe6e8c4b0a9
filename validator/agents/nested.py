"""App of apps: Applications found in what agent targets rendered are read and rendered too.

An Argo CD Application whose folder or chart renders more Applications (the "app of
apps" pattern: a root Application over a folder of child Applications, or a chart
templating them) deploys what those children deploy. After the plan's targets are
rendered, every Application among the documents a rendered target produced (an agent
object's, or a chart or folder of Applications rendered on its own terms, as when the
root is applied by hand) is read with
:func:`validator.agents.argocd.read_application` (its ``parent`` set, one level deeper),
its targets rendered, and their documents join the run; this repeats for what they
render, up to ``agent_depth`` levels, past which a skipped entry names the chain. An
Application already read (the same namespace and name: the children's own files are
usually read as manifests of the repository too) is not read again, so cycles end.

Targets found this way are rendered after planning, so a folder one of them renders is
not kept from being rendered on its own terms as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from validator.agents.argocd import read_application
from validator.agents.objects import FoundObject, ObjectIndex
from validator.agents.plan import AgentContext
from validator.agents.repo_urls import own_repository_urls
from validator.load import Document
from validator.model import FieldPath, Finding, Location, Skipped
from validator.render.engine import render_targets
from validator.render.kustomization import Kustomization
from validator.render.kustomization_reader import read_tree
from validator.render.scan import RepoScan
from validator.render.settings import RenderResult, RenderSettings, merge_results
from validator.render.targets import Target, TargetKind, TargetPlan
from validator.repo_config import RepoConfig

_UNIT = "Argo CD Application"


@dataclass(frozen=True, kw_only=True)
class Followed:
    """The run's render with the Applications rendered out of it followed."""

    result: RenderResult
    """The plan's render and every nested target's, merged."""
    targets: tuple[Target, ...] = ()
    """The targets nested Applications defined (rendered into ``result``)."""
    skipped: tuple[Skipped, ...] = ()
    """What nested Applications deploy that is not rendered, and the depth limit's entries."""
    read: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    """``(file, index)`` of the rendered Application documents read here."""


class _DocumentLocator:
    """Lines of a rendered Application: its own source map (the index is the document's)."""

    def __init__(self, document: Document) -> None:
        self._document = document

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        del document_index
        return self._document.locate(field_path)


def follow_applications(plan: TargetPlan, result: RenderResult, *, root: Path,
                        config: RepoConfig, settings: RenderSettings) -> Followed:
    """``result`` (the render of ``plan``) with the Applications agent targets rendered
    followed, level by level (see the module docstring)."""
    if not config.agents.mode.reads("argocd"):
        return Followed(result=result)
    follower = _Follower(plan, config, _contexts(root, config))
    results = [result]
    batch = result.documents
    while new := follower.read(batch):
        rendered = render_targets(TargetPlan(targets=tuple(new)), settings, root=root)
        results.append(rendered)
        batch = rendered.documents
    if len(results) == 1 and not follower.findings:
        return Followed(result=result, read=frozenset(follower.seen_documents),
                        skipped=tuple(follower.skipped))
    files = {p for t in (*plan.targets, *follower.targets) for p in t.inputs}
    merged = merge_results([*results, RenderResult(findings=tuple(follower.findings))], files)
    # each nested render repeats run-wide notes (renders without network isolation): once
    merged = replace(merged, skipped=tuple(dict.fromkeys(merged.skipped)))
    return Followed(result=merged, targets=tuple(follower.targets),
                    skipped=tuple(follower.skipped), read=frozenset(follower.seen_documents))


class _Follower:
    """Which Applications were read, at which depth, through which chain of parents."""

    def __init__(self, plan: TargetPlan, config: RepoConfig,
                 context: Callable[[int], AgentContext]) -> None:
        self.max_depth = config.agents.max_depth
        self.context = context
        self.seen = {(o.namespace, o.name) for o in plan.agent_objects if o.kind == "Application"}
        # every rendered target: a chart of Applications applied by hand has no root object
        rendered = {t.name: str(t.agent or t.name) for t in plan.targets
                    if t.kind is not TargetKind.PLAIN}
        self.depth = dict.fromkeys(rendered, 0)
        self.chain = dict(rendered)
        self.agent = dict(rendered)
        self.names = {t.name for t in plan.targets}
        self.targets: list[Target] = []
        self.skipped: list[Skipped] = []
        self.findings: list[Finding] = []
        self.seen_documents: set[tuple[str, int]] = set()

    def read(self, documents: Sequence[Document]) -> list[Target]:
        """The targets of the Applications not read yet among ``documents`` (those agent
        targets rendered)."""
        new: list[Target] = []
        for document in documents:
            if document.target not in self.depth or not _application(document):
                continue
            found = FoundObject(body=document.body, path=document.path, index=document.index,
                                locator=_DocumentLocator(document))
            if (found.namespace, found.name) in self.seen:
                continue
            self.seen.add((found.namespace, found.name))
            self.seen_documents.add((document.path, document.index))
            new += self.read_one(found, document.target)
        self.targets += new
        return new

    def read_one(self, found: FoundObject, parent_target: str) -> list[Target]:
        level = self.depth[parent_target] + 1
        chain = f"{self.chain[parent_target]} -> Application {_named(found)}"
        if level > self.max_depth:
            self.skipped.append(Skipped(
                path=f"{found.path}:{found.line()}", unit=_UNIT,
                group="not rendered: deeper than agent_depth",
                reason=f"{chain}: not rendered: Applications rendered out of Applications are "
                       f"followed {self.max_depth} levels deep (agent_depth)"))
            return []
        answer = read_application(found, self.context(level))
        self.skipped += answer.skipped
        self.findings += answer.findings
        parent = self.agent[parent_target]
        targets = []
        for target in answer.targets:
            nested = _nested(target, parent, self.names)
            self.names.add(nested.name)
            self.depth[nested.name], self.chain[nested.name] = level, chain
            self.agent[nested.name] = str(nested.agent)
            targets.append(nested)
        return targets


def _application(document: Document) -> bool:
    return document.kind == "Application" and document.api_version.startswith("argoproj.io/")


def _named(found: FoundObject) -> str:
    return f"{found.namespace}/{found.name}" if found.namespace else found.name


def _nested(target: Target, parent: str, names: set[str]) -> Target:
    """``target`` naming its parent Application, with a name no other target has."""
    if target.agent is None:  # every target a reader makes names its object
        return target
    agent = replace(target.agent, parent=parent)
    name = target.name if target.name not in names else f"{target.name} (in {parent})"
    return replace(target, agent=agent, name=name,
                   reason=f"{agent} ({agent.where}), rendered out of {parent}")


def _contexts(root: Path, config: RepoConfig) -> Callable[[int], AgentContext]:
    """The reader's context at a depth; the repository is scanned once, when first asked."""
    made: list[AgentContext] = []

    def at(level: int) -> AgentContext:
        if not made:
            scan = RepoScan(root, config)
            scan.walk()
            folders = set(scan.kustomize_dirs)
            cache: dict[str, Kustomization | None] = {}

            def tree(directory: str) -> list[Kustomization]:
                return list(read_tree(root, directory, cache)) if directory in folders else []

            made.append(AgentContext(
                root=root, config=config.agents, manifests=scan.manifests,
                chart_files=scan.chart_files, kustomize_tree=tree,
                index=ObjectIndex(root, scan.manifests),
                repository_urls=own_repository_urls(root, config.agents)))
        return replace(made[0], depth=level)

    return at
