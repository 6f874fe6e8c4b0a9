"""Repository content for the webhook app: a bare mirror per repository, and per-job clones of it.

A pull request's base and head are fetched by SHA (protocol v2; GitHub serves any reachable
commit) into the repository's bare mirror under ``root`` and kept there as
``refs/validator/<sha>`` so ``git gc`` keeps them and the next push's fetch negotiates with
them: a push costs only its new objects. A job then works in a ``git clone --shared
--no-checkout`` of the mirror (the service reads git objects; it needs a non-bare repository),
removed afterwards.

The installation token reaches git in one place only: ``http.extraHeader`` set through
``GIT_CONFIG_COUNT`` / ``GIT_CONFIG_KEY_0`` / ``GIT_CONFIG_VALUE_0`` in the git process's
environment, so it is never in an argument list (``ps``), a URL, ``.git/config`` or a log.
One file lock per repository (``fcntl``) serialises fetches of it across threads and
processes; it is held for the fetch and the clone only, so jobs of one repository run
side by side (a fetch only adds objects: a clone borrowing the mirror's never loses one,
unless the size limit deletes the mirror, which fails that job's attempt).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from validator.change.git import GIT_ENV, PINNED_CONFIG, git
from validator.errors import CommandError, ValidatorError
from validator.process import Command, run

__all__ = ["MirrorError", "Mirrors"]

_LOGGER = logging.getLogger(__name__)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: Transport settings of every fetch: HTTP(S) only (no ``ext::`` or ``file://`` from a payload),
#: no redirects (the header would follow them), no credential helper (nothing stored or asked).
_FETCH_CONFIG = (
    "-c", "protocol.version=2",
    "-c", "protocol.allow=never", "-c", "protocol.https.allow=always",
    "-c", "protocol.http.allow=always",
    "-c", "http.followRedirects=false",
    "-c", "credential.helper=",
    "-c", "core.askPass=",
)


class MirrorError(ValidatorError):
    """A repository's content could not be fetched or kept (the job fails with this text)."""

    def __init__(self, message: str, *, token_refused: bool = False) -> None:
        super().__init__(message)
        self.token_refused = token_refused
        """The server refused the token (revoked, or the installation lost the repository)."""


class Mirrors:
    """Bare mirrors of repositories under ``root``."""

    def __init__(self, root: Path, *, timeout: float, max_bytes: int) -> None:
        self.root = root
        self.timeout = timeout
        self.max_bytes = max_bytes

    def mirror_path(self, repository: str) -> Path:
        """Where ``owner/name``'s mirror is; a :class:`MirrorError` for a name GitHub would not
        give (a path must not come out of a payload unchecked)."""
        owner, _, name = repository.partition("/")
        for part in (owner, name):
            if not _NAME.fullmatch(part) or part.endswith((".git", ".lock")) or ".." in part:
                raise MirrorError(f"repository {repository!r}: not an owner/name GitHub allows")
        return self.root / owner.lower() / f"{name.lower()}.git"

    @contextlib.contextmanager
    def checkout(self, repository: str, clone_url: str, token: str,
                 shas: Sequence[str]) -> Iterator[Path]:
        """A temporary non-bare clone of ``repository`` holding every commit of ``shas``."""
        for sha in shas:
            if not _SHA.fullmatch(sha):
                raise MirrorError(f"{repository}: {sha!r} is not a commit SHA")
        _check_url(repository, clone_url)
        mirror = self.mirror_path(repository)
        mirror.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="job-", dir=self._jobs()))
        try:
            with _locked(mirror.with_suffix(".lock")):  # held for the fetch and the clone only
                self._fetch(mirror, repository, clone_url, token, shas)
                git(work, "clone", "--quiet", "--shared", "--no-checkout", str(mirror), "repo",
                    timeout=self.timeout)
            yield work / "repo"
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _jobs(self) -> Path:
        jobs = self.root / ".jobs"
        jobs.mkdir(parents=True, exist_ok=True)
        return jobs

    def _fetch(self, mirror: Path, repository: str, clone_url: str, token: str,
               shas: Sequence[str]) -> None:
        if not (mirror / "HEAD").is_file():
            shutil.rmtree(mirror, ignore_errors=True)  # an interrupted init
            git(mirror.parent, "init", "--quiet", "--bare", mirror.name)
        missing = [sha for sha in dict.fromkeys(shas) if not _has_commit(mirror, sha)]
        if not missing:
            return
        header = "Authorization: Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env = {**GIT_ENV, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
               "GIT_CONFIG_VALUE_0": header, "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
        refspecs = [f"+{sha}:refs/validator/{sha}" for sha in missing]
        command = Command(args=("git", *PINNED_CONFIG, *_FETCH_CONFIG, "fetch", "--quiet", "--no-tags",
                                "--no-write-fetch-head", clone_url, *refspecs),
                          cwd=mirror, env=env, timeout=self.timeout)
        try:
            run(command)
        except CommandError as err:
            why, refused = _git_reason(err.stderr, token)
            raise MirrorError(f"{repository}: could not fetch {', '.join(s[:12] for s in missing)} "
                              f"from {clone_url}: {why}", token_refused=refused) from None
        size = _size(mirror)
        if size > self.max_bytes:
            shutil.rmtree(mirror, ignore_errors=True)
            raise MirrorError(f"{repository}: the repository takes {size} bytes, more than the "
                              f"{self.max_bytes} allowed (GITOPS_VALIDATOR_MAX_REPOSITORY_BYTES); "
                              "its mirror was deleted")
        _LOGGER.info("%s: fetched %d commit(s); mirror %d bytes", repository, len(missing), size)


def _check_url(repository: str, clone_url: str) -> None:
    parts = urlsplit(clone_url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise MirrorError(f"{repository}: clone URL {parts.scheme}://{parts.hostname}{parts.path} is "
                          "not an HTTPS URL without credentials")


def _has_commit(mirror: Path, sha: str) -> bool:
    probe = git(mirror, "cat-file", "-e", f"{sha}^{{commit}}", ok_codes=frozenset({0, 1, 128}))
    return probe.returncode == 0


def _git_reason(stderr: str, token: str) -> tuple[str, bool]:
    """git's last words (the token masked, should git ever echo it) and whether they say
    the credentials were refused."""
    lines = [line.strip().removeprefix("fatal: ").removeprefix("error: ")
             for line in stderr.splitlines() if line.strip()]
    text = "; ".join(lines[-2:]) or "git fetch failed"
    refused = any(words in text for words in ("terminal prompts disabled", "Authentication failed", " 401"))
    if refused:
        text = f"the server refused the installation token ({text})"
    return (text.replace(token, "***") if token else text), refused


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(dirpath) / name).lstat().st_size
    return total


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (released when the descriptor closes)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)



