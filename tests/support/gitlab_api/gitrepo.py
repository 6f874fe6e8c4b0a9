"""Real git for the GitLab test server: SHAs, merge bases, and the diff GitLab shows on an MR.

GitLab shows a merge request's changes as ``git diff base_sha head_sha`` (the merge base of
the target and source branches, not the target's tip) with three lines of context and rename
detection. :class:`FileDiff` keeps, per file, which lines a diff note can be put on: added
lines (new side), removed lines (old side) and the unchanged context lines inside hunks
(both sides). https://docs.gitlab.com/api/discussions/#create-a-new-thread-in-the-merge-request-diff
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; a failure names the command and git's message."""
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False,
                          timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {repo}: {done.stderr.strip()}")
    return done.stdout


def rev(repo: Path, ref: str) -> str:
    """The commit SHA ``ref`` names (a branch, tag or SHA)."""
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()


def merge_base(repo: Path, left: str, right: str) -> str:
    return git(repo, "merge-base", left, right).strip()


def ref_exists(repo: Path, ref: str) -> bool:
    done = subprocess.run(["git", "-C", str(repo), "show-ref", "--verify", "--quiet", ref],
                          capture_output=True, check=False, timeout=60)
    return done.returncode == 0


_RESOLVED: dict[tuple[Path, str], str] = {}
_RESOLVED_LOCK = threading.Lock()


def resolve_commit(repo: Path, sha: str) -> str | None:
    """The full SHA of commit ``sha`` (or a ref) in ``repo``, None when there is none. Full SHAs
    found are remembered (a commit never goes away here); refs and misses are asked each time."""
    key = (repo, sha)
    with _RESOLVED_LOCK:
        known = _RESOLVED.get(key)
    if known is not None:
        return known
    done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"],
                          capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        return None
    full = done.stdout.strip()
    if sha == full:
        with _RESOLVED_LOCK:
            _RESOLVED[key] = full
    return full


def branches_containing(repo: Path, sha: str) -> list[str]:
    """Branch names whose tip contains ``sha`` (GitLab's default ``ref`` for a status)."""
    out = git(repo, "branch", "--format=%(refname:short)", "--contains", sha)
    return [line.strip() for line in out.splitlines() if line.strip()]


@dataclass(kw_only=True)
class FileDiff:
    """The lines of one file a diff note may be placed on."""

    old_path: str
    new_path: str
    added: set[int] = field(default_factory=set)
    """New-side numbers of added lines."""
    removed: set[int] = field(default_factory=set)
    """Old-side numbers of removed lines."""
    context: dict[int, int] = field(default_factory=dict)
    """New-side number -> old-side number of unchanged lines shown inside hunks."""


def mr_diff(repo: Path, base_sha: str, head_sha: str) -> list[FileDiff]:
    """The files of ``git diff base head`` as GitLab shows them (3 lines of context, renames)."""
    out = git(repo, "diff", "--no-color", "--no-ext-diff", "-M", "-U3", base_sha, head_sha)
    files: list[FileDiff] = []
    current: FileDiff | None = None
    old_no = new_no = 0
    in_header = True
    for line in out.splitlines():
        if line.startswith("diff --git "):
            current = None
            names = line[len("diff --git "):]
            a, _, b = names.partition(" b/")
            current = FileDiff(old_path=a.removeprefix("a/"), new_path=b)
            files.append(current)
            in_header = True
        elif current is None:
            continue
        elif (hunk := _HUNK.match(line)) is not None:
            old_no, new_no = int(hunk.group(1)), int(hunk.group(3))
            in_header = False
        elif in_header:
            if line.startswith("rename from "):
                current.old_path = line[len("rename from "):]
            elif line.startswith("rename to "):
                current.new_path = line[len("rename to "):]
        elif line.startswith("+"):
            current.added.add(new_no)
            new_no += 1
        elif line.startswith("-"):
            current.removed.add(old_no)
            old_no += 1
        elif line.startswith(" "):
            current.context[new_no] = old_no
            old_no += 1
            new_no += 1
    return files
