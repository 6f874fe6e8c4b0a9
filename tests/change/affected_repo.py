"""A real git repository built by a test: write files, commit, and plan the affected targets."""

from __future__ import annotations

import shutil
from pathlib import Path

from validator.change.affected import AffectedPlan, affected_targets
from validator.change.diff_files import read_change
from validator.change.revisions import resolve_revisions
from validator.change.snapshot import materialise
from validator.process import Command, run
from validator.render import discover_targets
from validator.repo_config import CONFIG_FILE, load_repo_config

TRUSTED = (CONFIG_FILE, "policies", "schemas")


class GitRepo:
    """A git repository in ``root`` with helpers to change it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        command = Command(args=("git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                                "-c", "commit.gpgsign=false", *args), cwd=self.root, timeout=60)
        return run(command).stdout.decode()

    def write(self, path: str, text: str) -> None:
        (self.root / path).parent.mkdir(parents=True, exist_ok=True)
        (self.root / path).write_text(text)

    def remove(self, path: str) -> None:
        target = self.root / path
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def affected(self, ref: str, trusted: tuple[str, ...] = TRUSTED) -> AffectedPlan:
        """The targets the working tree's changes since ``ref`` affect."""
        change = read_change(resolve_revisions(self.root, base=ref, worktree=True))
        head = discover_targets(self.root, [self.root], load_repo_config(self.root))
        with materialise(self.root, change.base) as base_root:
            base = discover_targets(base_root, [base_root], load_repo_config(base_root))
        return affected_targets(change, base=base, head=head, trusted=trusted)


def names(plan: AffectedPlan) -> dict[str, str]:
    """Affected target name -> side."""
    return {a.target.name: a.side.value for a in plan.targets}
