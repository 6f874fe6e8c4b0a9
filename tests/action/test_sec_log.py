"""Security: text from the change under review cannot start a workflow command in the job log.

The Actions runner reads every line of a step's standard output and standard error that
starts with ``::`` as a workflow command (``::add-mask::``, ``::error file=...::``,
``::stop-commands::``). An error naming a path of the head (git allows a newline in a file
name) must not put such a line in the log: every line the validator writes to the log
starts with its own prefix."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from validator.cli.main import main

INJECTED = "d\n::warning::injected by the pull request\r::add-mask::x"


def _crafted_head(repo: GitRepo, base: str) -> str:
    """A commit whose tree lists ``INJECTED`` both as a file and as a folder (git's ``mktree``
    takes it; ``fsck`` would complain): writing it fails on that path."""
    blob = repo.git("hash-object", "-w", "--stdin", stdin=b"hi\n")
    inner = repo.git("mktree", "-z", stdin=f"100644 blob {blob}\tb\0".encode())
    tree = repo.git("mktree", "-z", stdin=(f"100644 blob {blob}\t{INJECTED}\0"
                                           f"040000 tree {inner}\t{INJECTED}\0").encode())
    return repo.git("commit-tree", tree, "-p", base, "-m", "crafted")


def test_an_error_naming_a_head_path_starts_no_workflow_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("apps/web.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n")
    base = repo.commit("base")
    head = _crafted_head(repo, base)
    monkeypatch.chdir(repo.root)
    result = CliRunner().invoke(main, ["diff", "--base", base, "--head", head, "--no-progress",
                                       "--no-policy"])
    assert result.exit_code == 2, result.output
    assert "injected by the pull request" in result.stderr
    lines = result.stderr.replace("\r", "\n").split("\n")
    assert [line for line in lines if line.startswith("::")] == []
    assert all(line.startswith("gitops-validator") for line in lines if line)


def test_the_action_log_prefixes_every_line() -> None:
    from validator.cli.action import _log  # noqa: PLC0415

    result = CliRunner().invoke(click.Command("logged", callback=lambda: _log(f"not published: {INJECTED}")))
    lines = result.stderr.replace("\r", "\n").split("\n")
    assert [line for line in lines if line.startswith("::")] == []
    assert len([line for line in lines if line]) == 3
