"""Running git for the change package: one place that pins how git is asked.

Every call goes through :mod:`validator.process` with ``-c`` options and environment
variables that take the user's configuration out of what we parse (quoting, prefixes,
colour, external diff tools, textconv, fsmonitor hooks) and keep git from writing to
the repository behind our back (``GIT_OPTIONAL_LOCKS=0``: no index refresh). The
user's configuration is otherwise honoured (``safe.directory``, object alternates).
"""

from __future__ import annotations

import logging
from pathlib import Path

from validator.errors import ChangeError, CommandError
from validator.process import Command, Result, run

_LOGGER = logging.getLogger(__name__)

#: Options that make git's output the same whatever the user configured.
PINNED_CONFIG = (
    "-c", "core.quotePath=true",
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "color.ui=false",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "log.showSignature=false",
)

#: Environment of every git call (added to the scrubbed environment of process.py).
GIT_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "GIT_LITERAL_PATHSPECS": "1",  # a file named `*.yaml` or `:(glob)x` is that file, not a pattern
    "LC_ALL": "C",
}


def git(repo: Path, *args: str, stdin: bytes | None = None, index_file: Path | None = None,
        ok_codes: frozenset[int] = frozenset({0}), timeout: float = 300.0) -> Result:
    """Run ``git ARGS`` in ``repo``; a failure is a :class:`ChangeError` with git's own words.

    ``index_file`` points git at a temporary index (``GIT_INDEX_FILE``) instead of the
    user's, for the working-tree mode.
    """
    env = dict(GIT_ENV)
    if index_file is not None:
        env["GIT_INDEX_FILE"] = str(index_file)
    command = Command(args=("git", *PINNED_CONFIG, *args), cwd=repo, env=env, stdin=stdin,
                      ok_codes=ok_codes, timeout=timeout)
    try:
        return run(command)
    except CommandError as exc:
        raise ChangeError(f"git {args[0]} failed in {repo}: {_first_line(exc.stderr) or exc}") from exc


def repository_root(folder: Path) -> Path:
    """The top folder of the git working tree that holds ``folder``.

    Raises a one-line :class:`ChangeError` when ``folder`` is not inside a git working tree.
    """
    if not folder.is_dir():
        raise ChangeError(f"{folder} is not a folder")
    try:
        result = git(folder, "rev-parse", "--show-toplevel")
    except ChangeError as exc:
        reason = str(exc.__cause__.stderr if isinstance(exc.__cause__, CommandError) else exc)
        if "dubious ownership" in reason:
            raise ChangeError(
                f"git refuses {folder}: it is owned by another user; trust it with "
                f"`git config --global --add safe.directory {folder.resolve()}`") from exc
        raise ChangeError(
            f"{folder} is not in a git repository: diff and targets --changed-from compare "
            "revisions of a clone (check the plain files with `check`)") from exc
    top = result.stdout.decode("utf-8", "surrogateescape").strip()
    if not top:
        raise ChangeError(f"{folder} is inside a bare git repository: diff needs a working tree")
    return Path(top)


def is_shallow(repo: Path) -> bool:
    """Whether ``repo`` is a shallow clone (history cut off)."""
    return git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return ""
