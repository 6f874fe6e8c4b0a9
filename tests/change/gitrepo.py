"""Real git repositories built by the tests: isolated from the machine's git configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from validator.process import Command, run

#: No system or global configuration, a fixed identity and dates: the same commits every run.
GIT_TEST_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


@dataclass(frozen=True, kw_only=True)
class GitRepo:
    """A working tree the test writes files into and commits."""

    root: Path

    @classmethod
    def init(cls, root: Path, *, branch: str = "main") -> GitRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root=root)
        repo.git("init", "-q", "-b", branch)
        return repo

    def git(self, *args: str, stdin: bytes | None = None) -> str:
        """Run git in the repository; its standard output."""
        command = Command(args=("git", "-c", "protocol.file.allow=always", *args), cwd=self.root,
                          env=GIT_TEST_ENV, stdin=stdin)
        return run(command).stdout.decode("utf-8", "surrogateescape").strip()

    def write(self, path: str | bytes, content: str | bytes) -> Path:
        """Write a file (created with its folders); ``bytes`` paths for non-UTF-8 names."""
        name = path if isinstance(path, str) else path.decode("utf-8", "surrogateescape")
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_bytes(content.encode())
        else:
            target.write_bytes(content)
        return target

    def commit_on(self, branch: str, files: dict[str, str], message: str = "change") -> str:
        """Commit ``files`` on ``branch`` (created from the current branch when missing); the
        new commit's SHA (a pull or merge request's push, in the app's and publishers' tests)."""
        if self.git("rev-parse", "--abbrev-ref", "HEAD") != branch:
            exists = self.git("branch", "--list", branch)
            self.git("checkout", "-q", *(() if exists else ("-b",)), branch)
        for path, text in files.items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def commit(self, message: str = "change") -> str:
        """Stage everything and commit; the new commit's SHA."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")
