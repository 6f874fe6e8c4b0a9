"""The event's commits in the checkout: fetched when missing, and read from git objects.

``actions/checkout`` fetches one commit by default (for a pull request: GitHub's merge
commit, whose parents are not there), so the base and head SHAs of the event are often
missing. They are fetched by SHA with a depth-limited fetch (``--depth=1``: only those
commits and their trees, which is all a two-sided diff reads); what the remote cannot give
is one error telling the workflow to check out the full history.

Suggestions quote the head's lines; they are read from the head commit's objects, not the
workspace (for a pull request the workspace holds the merge commit, whose lines may differ).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from validator.change.git import git, repository_root
from validator.errors import ChangeError

__all__ = ["checkout_root", "ensure_commits", "head_lines_reader", "missing_commits", "workspace_head"]

#: A file larger than this is not quoted in a suggestion (its lines are not read).
MAX_QUOTED_BYTES = 2 * 1024 * 1024
_FETCH_ADVICE = ("check out the full history: `fetch-depth: 0` in the actions/checkout step "
                 "(`with: fetch-depth: 0`)")


def checkout_root(workspace: Path) -> Path:
    """The top of the git checkout at ``workspace``; a :class:`ChangeError` saying to check out."""
    try:
        return repository_root(workspace)
    except ChangeError as exc:
        raise ChangeError(f"{workspace} is not a git checkout ({exc}): add an actions/checkout "
                          "step before this action (when it clones into a sub-folder with "
                          "`path:`, set the input `config` to that folder)") from exc


def missing_commits(repo: Path, shas: Iterable[str]) -> list[str]:
    """The SHAs among ``shas`` whose commit object ``repo`` does not have (in order, once)."""
    missing = []
    for sha in dict.fromkeys(shas):
        probe = git(repo, "cat-file", "-e", f"{sha}^{{commit}}", ok_codes=frozenset({0, 1, 128}))
        if probe.returncode != 0:
            missing.append(sha)
    return missing


def ensure_commits(workspace: Path, shas: Sequence[str], *, log: Callable[[str], None],
                   advice: str = _FETCH_ADVICE) -> Path:
    """Make every commit of ``shas`` present in the checkout at ``workspace`` (fetching the
    missing ones from ``origin``); the checkout's top folder. ``advice`` ends the error when
    a commit cannot be fetched (how this CI system checks out the full history)."""
    repo = checkout_root(workspace)
    missing = missing_commits(repo, shas)
    if not missing:
        return repo
    log(f"fetching {', '.join(sha[:12] for sha in missing)} from origin "
        "(depth-limited fetch: the checkout does not have them)")
    fetch = git(repo, "fetch", "--no-tags", "--no-write-fetch-head", "--depth=1", "origin",
                *missing, ok_codes=frozenset({0, 1, 128}))
    still = missing_commits(repo, missing)
    if still:
        reason = fetch.stderr.strip().splitlines()
        why = f" (git: {reason[-1].removeprefix('fatal: ')})" if reason else ""
        raise ChangeError(f"commit {', '.join(sha[:12] for sha in still)} is not in the checkout "
                          f"and could not be fetched from origin{why}: {advice}")
    return repo


def workspace_head(repo: Path) -> str:
    """The commit checked out in ``repo`` (``HEAD``), or empty when it has none."""
    result = git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok_codes=frozenset({0, 1, 128}))
    return result.stdout.decode("ascii", "replace").strip() if result.returncode == 0 else ""


def head_lines_reader(repo: Path, sha: str) -> Callable[[str], Sequence[str] | None]:
    """A ``head_lines`` for :class:`~validator.scm.outcome.Outcome`: the lines of a
    repository path at commit ``sha`` (None: no such file, not UTF-8, or too large)."""

    @functools.lru_cache(maxsize=256)
    def lines(path: str) -> tuple[str, ...] | None:
        if not path or path.startswith(("/", "-")) or "\0" in path or "\n" in path:
            return None
        spec = f"{sha}:{path}"
        size = git(repo, "cat-file", "-s", spec, ok_codes=frozenset({0, 1, 128}))
        if size.returncode != 0 or int(size.stdout.strip() or b"0") > MAX_QUOTED_BYTES:
            return None
        blob = git(repo, "cat-file", "blob", spec, ok_codes=frozenset({0, 1, 128}))
        if blob.returncode != 0:
            return None
        try:
            return tuple(blob.stdout.decode("utf-8").splitlines())
        except UnicodeDecodeError:
            return None

    return lines
