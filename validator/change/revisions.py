"""Which two revisions a change compares: ``--base``, ``--head`` and ``--worktree`` resolved to commits.

``--base`` defaults to the merge base of ``HEAD`` and the default branch (``origin/HEAD``,
else ``main``, else ``master``); ``--head`` defaults to ``HEAD``; the working-tree mode
compares the base with the files on disk, uncommitted edits and untracked (not ignored)
files included. Every failure is one :class:`~validator.errors.ChangeError` line that says
what to do, with the shallow-clone case told apart (CI checkouts fetch one commit by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from validator.change.git import git, is_shallow, repository_root
from validator.errors import ChangeError

#: The head of the working-tree mode (``Change.head`` and :class:`Revisions`).
WORKTREE = "WORKTREE"

#: Where the default branch is looked for, in order.
DEFAULT_BRANCHES = ("origin/HEAD", "main", "master")

_SHALLOW_ADVICE = ("fetch the full history (`fetch-depth: 0` in actions/checkout, "
                   "or `git fetch --unshallow`)")


@dataclass(frozen=True, kw_only=True)
class Revisions:
    """The resolved sides of a change."""

    repo: Path
    """Top folder of the git working tree."""
    base: str
    """Full SHA of the base commit."""
    head: str
    """Full SHA of the head commit, or :data:`WORKTREE`."""
    base_ref: str
    """What the base was asked as (``origin/main``), or how it was chosen (``merge-base HEAD main``)."""

    @property
    def worktree(self) -> bool:
        """The head is the working tree with its uncommitted edits."""
        return self.head == WORKTREE


def resolve_revisions(folder: Path, *, base: str | None = None, head: str | None = None,
                      worktree: bool = False) -> Revisions:
    """Resolve the base and head of the repository holding ``folder``."""
    if worktree and head is not None:
        raise ChangeError("--head and --worktree exclude each other: the head is a REF or the working tree")
    repo = repository_root(folder)
    head_sha = WORKTREE if worktree else resolve_commit(repo, head or "HEAD")
    if base is not None:
        return Revisions(repo=repo, base=resolve_commit(repo, base), head=head_sha, base_ref=base)
    branch = default_branch(repo)
    start = "HEAD" if worktree else (head or "HEAD")
    return Revisions(repo=repo, base=merge_base(repo, start, branch), head=head_sha,
                     base_ref=f"merge-base {start} {branch}")


def resolve_commit(repo: Path, ref: str) -> str:
    """The full SHA of the commit ``ref`` names; a :class:`ChangeError` saying what to do otherwise."""
    _refuse_option(ref)
    result = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                 ok_codes=frozenset({0, 1, 128}))
    sha = result.stdout.decode("ascii", "replace").strip()
    if result.returncode == 0 and sha:
        return sha
    if is_shallow(repo):
        raise ChangeError(
            f"revision {ref!r} is not in this shallow clone: fetch it (`git fetch origin {ref}`) "
            f"or {_SHALLOW_ADVICE}")
    raise ChangeError(
        f"revision {ref!r} does not exist in {repo}: check the name, or fetch it "
        f"(`git fetch origin {ref}`)")


def default_branch(repo: Path) -> str:
    """The first of :data:`DEFAULT_BRANCHES` that exists."""
    for name in DEFAULT_BRANCHES:
        probe = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}",
                    ok_codes=frozenset({0, 1, 128}))
        if probe.returncode == 0:
            return name
    raise ChangeError(
        f"no default branch to compare with in {repo} (none of {', '.join(DEFAULT_BRANCHES)}): "
        "pass --base REF")


def merge_base(repo: Path, one: str, other: str) -> str:
    """The best common ancestor of ``one`` and ``other``."""
    one_sha, other_sha = resolve_commit(repo, one), resolve_commit(repo, other)
    result = git(repo, "merge-base", one_sha, other_sha, ok_codes=frozenset({0, 1}))
    sha = result.stdout.decode("ascii", "replace").strip()
    if result.returncode == 0 and sha:
        return sha
    if is_shallow(repo):
        raise ChangeError(
            f"{one} and {other} have no common commit in this shallow clone: {_SHALLOW_ADVICE}, "
            f"or pass --base with a fetched commit (`git fetch origin {other}`)")
    raise ChangeError(f"{one} and {other} have no common history: pass --base REF")


def _refuse_option(ref: str) -> None:
    if not ref or ref.startswith("-") or "\0" in ref or "\n" in ref:
        raise ChangeError(f"{ref!r} is not a git revision: pass a branch, tag or commit")
