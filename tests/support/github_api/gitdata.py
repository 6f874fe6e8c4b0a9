"""Pull request data computed from a real git repository, the way GitHub computes it.

GitHub shows a pull request as the three-dot diff ``base...head`` (from the merge base) with
three lines of context; review comments may only land on head-side lines inside those hunks.
This module runs git once per pull request (files, patches, commits) so the server answers
from the same history the product reads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from validator.errors import CommandError
from validator.process import Command, run

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_STATUS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied", "T": "changed"}
_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}


def git(git_dir: Path, *args: str) -> str:
    """Run git against ``git_dir`` (bare or working tree); standard output as text."""
    return git_bytes(git_dir, *args).decode("utf-8", "surrogateescape")


def git_bytes(git_dir: Path, *args: str) -> bytes:
    """Run git against ``git_dir``; standard output as bytes (blob contents)."""
    return run(Command(args=("git", "-C", str(git_dir), *args), env=_GIT_ENV, timeout=60.0)).stdout


@dataclass(frozen=True, kw_only=True)
class TreeEntry:
    """One entry of ``git ls-tree -l``."""

    mode: str
    type: str
    sha: str
    size: int | None
    path: str


def ls_tree(git_dir: Path, treeish: str, *paths: str, recursive: bool = False) -> list[TreeEntry]:
    """Entries of a tree (``paths`` narrow it; ``recursive`` lists sub-trees and their blobs too)."""
    flags = ["-r", "-t"] if recursive else []
    out = git(git_dir, "ls-tree", "-l", "-z", *flags, treeish, "--", *paths)
    entries = []
    for record in filter(None, out.split("\0")):
        meta, _, path = record.partition("\t")
        mode, kind, sha, size = meta.split()
        entries.append(TreeEntry(mode=mode, type=kind, sha=sha, size=None if size == "-" else int(size),
                                 path=path))
    return entries


def object_type(git_dir: Path, sha: str) -> str | None:
    """``blob``, ``tree``, ``commit`` or ``tag``; None for an unknown object."""
    try:
        return git(git_dir, "cat-file", "-t", sha).strip()
    except CommandError:  # an unknown object is an answer (404), not a failure
        return None


@dataclass(frozen=True, kw_only=True)
class ChangedFile:
    """One entry of ``GET /pulls/{n}/files``."""

    filename: str
    status: str
    previous_filename: str | None
    sha: str | None
    additions: int
    deletions: int
    patch: str | None
    commentable_right: frozenset[int] = field(default_factory=frozenset)
    """Head-side line numbers inside the diff hunks (where a RIGHT-side comment may go)."""
    commentable_left: frozenset[int] = field(default_factory=frozenset)
    hunks: tuple[tuple[range, range], ...] = ()
    """Each hunk's old-side and new-side line ranges (a multi-line comment stays in one)."""

    def hunk_of(self, line: int, side: str) -> int | None:
        """The index of the hunk holding ``line`` on ``side`` (``LEFT`` old, ``RIGHT`` new)."""
        index = 1 if side == "RIGHT" else 0
        return next((n for n, hunk in enumerate(self.hunks) if line in hunk[index]), None)


@dataclass(frozen=True, kw_only=True)
class Commit:
    """One commit of the pull request, oldest first."""

    sha: str
    parents: tuple[str, ...]
    tree: str
    author: tuple[str, str, str]
    committer: tuple[str, str, str]
    message: str


@dataclass(frozen=True, kw_only=True)
class PullData:
    """What GitHub derives from ``base...head``."""

    merge_base: str
    files: tuple[ChangedFile, ...]
    commits: tuple[Commit, ...]
    behind_by: int


def rev_parse(git_dir: Path, rev: str, *, kind: str = "commit") -> str | None:
    """The SHA of the ``kind`` object (commit, tree) ``rev`` names, or None."""
    try:
        return git(git_dir, "rev-parse", "--verify", "--quiet", f"{rev}^{{{kind}}}").strip() or None
    except CommandError:  # an unknown ref is an answer (404), not a failure
        return None


def pull_data(git_dir: Path, base: str, head: str) -> PullData:
    """Files (with patches and commentable lines) and commits of ``base...head``."""
    merge_base = git(git_dir, "merge-base", base, head).strip()
    names = git(git_dir, "diff", "--no-color", "--no-ext-diff", "-M", "--name-status", "-z",
                merge_base, head).split("\0")
    patch = git(git_dir, "diff", "--no-color", "--no-ext-diff", "-M", "--full-index", merge_base, head)
    sections = [part for part in re.split(r"^(?=diff --git )", patch, flags=re.MULTILINE)
                if part.startswith("diff --git")]
    entries = _name_status(names)
    if len(entries) != len(sections):
        raise RuntimeError(f"git diff {merge_base}..{head}: {len(entries)} names but {len(sections)} patches")
    def blob(path: str) -> str:
        return git(git_dir, "rev-parse", f"{head}:{path}").strip()

    files = tuple(_changed_file(entry, section, blob)
                  for entry, section in zip(entries, sections, strict=True))
    behind = int(git(git_dir, "rev-list", "--count", f"{head}..{base}").strip())
    return PullData(merge_base=merge_base, files=files, commits=_commits(git_dir, merge_base, head),
                    behind_by=behind)


def line_mapper(git_dir: Path, old: str, new: str, path: str) -> Callable[[int], int | None]:
    """Where a line of ``path`` at ``old`` is at ``new``; None when it was changed or removed."""
    if not git(git_dir, "ls-tree", "--name-only", new, "--", path).strip():
        return lambda _line: None
    patch = git(git_dir, "diff", "--no-color", "--no-ext-diff", "-U0", old, new, "--", path)
    hunks = [(int(m.group(1)), int(m.group(2) or 1), int(m.group(4) or 1))
             for m in map(_HUNK.match, patch.splitlines()) if m]

    def follow(line: int) -> int | None:
        shift = 0
        for start, old_count, new_count in hunks:
            first = start if old_count else start + 1  # "-5,0": inserted after line 5
            if old_count and first <= line < first + old_count:
                return None
            if line >= first:
                shift += new_count - old_count
        return line + shift

    return follow


def _name_status(fields: list[str]) -> list[tuple[str, str, str | None]]:
    entries: list[tuple[str, str, str | None]] = []
    index = 0
    while index < len(fields) and fields[index]:
        code = fields[index]
        if code[0] in "RC":
            entries.append((code[0], fields[index + 2], fields[index + 1]))
            index += 3
        else:
            entries.append((code[0], fields[index + 1], None))
            index += 2
    return entries


def _changed_file(entry: tuple[str, str, str | None], section: str,
                  blob: Callable[[str], str]) -> ChangedFile:
    code, name, previous = entry
    index = re.search(r"^index [0-9a-f]+\.\.([0-9a-f]+)", section, flags=re.MULTILINE)
    head_blob = None if code == "D" else index.group(1) if index else blob(name)  # pure rename: no index
    hunk_start = section.find("\n@@")
    patch = section[hunk_start + 1:].rstrip("\n") if hunk_start >= 0 else None
    right, left, additions, deletions = _hunk_lines(patch or "")
    hunks = tuple((range(int(m.group(1)), int(m.group(1)) + int(m.group(2) or 1)),
                   range(int(m.group(3)), int(m.group(3)) + int(m.group(4) or 1)))
                  for m in map(_HUNK.match, (patch or "").splitlines()) if m)
    return ChangedFile(filename=name, status=_STATUS.get(code, "modified"), previous_filename=previous,
                       sha=head_blob, additions=additions, deletions=deletions, patch=patch,
                       commentable_right=frozenset(right), commentable_left=frozenset(left), hunks=hunks)


def patch_lines(patch: str) -> Iterator[tuple[int, str, int | None, int | None]]:
    """Each line of a patch with its index and its old-side and new-side line numbers.

    Hunk headers and ``\\ No newline at end of file`` markers have neither number.
    """
    old = new = 0
    for index, text in enumerate(patch.splitlines()):
        header = _HUNK.match(text)
        if header:
            old, new = int(header.group(1)), int(header.group(3))
            yield index, text, None, None
        elif text.startswith("+"):
            yield index, text, None, new
            new += 1
        elif text.startswith("-"):
            yield index, text, old, None
            old += 1
        elif text.startswith(" "):
            yield index, text, old, new
            old, new = old + 1, new + 1
        else:
            yield index, text, None, None


def _hunk_lines(patch: str) -> tuple[set[int], set[int], int, int]:
    numbered = [(text, old, new) for _, text, old, new in patch_lines(patch)]
    right = {new for _, _, new in numbered if new is not None}
    left = {old for _, old, _ in numbered if old is not None}
    additions = sum(1 for text, old, new in numbered if new is not None and old is None)
    deletions = sum(1 for text, old, new in numbered if old is not None and new is None)
    return right, left, additions, deletions


_LOG_FORMAT = "--format=%H%x00%P%x00%T%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B%x1e"


def commit_info(git_dir: Path, sha: str) -> Commit:
    """One commit (for ``base_commit`` / ``merge_base_commit`` of a comparison)."""
    return _parse_log(git(git_dir, "log", "-1", _LOG_FORMAT, sha))[0]


def _commits(git_dir: Path, base: str, head: str) -> tuple[Commit, ...]:
    return _parse_log(git(git_dir, "log", "--reverse", _LOG_FORMAT, f"{base}..{head}"))


def _parse_log(out: str) -> tuple[Commit, ...]:
    commits = []
    for record in out.split("\x1e"):
        parts = record.lstrip("\n").split("\0")
        if len(parts) < 10:
            continue
        sha, parents, tree, an, ae, ad, cn, ce, cd, message = parts[:10]
        commits.append(Commit(sha=sha, parents=tuple(parents.split()), tree=tree, author=(an, ae, ad),
                              committer=(cn, ce, cd), message=message.rstrip("\n")))
    return tuple(commits)


def node_id(kind: str, key: object) -> str:
    """A stable GraphQL-style global id (``PRRT_...``) for test objects."""
    digest = hashlib.sha1(f"{kind}:{key}".encode(), usedforsecurity=False).hexdigest()[:16]
    return f"{kind}_{digest}"
