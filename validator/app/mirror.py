"""Repository content for the webhook app: a bare mirror per repository, and per-job clones of it.

A pull request's base and head are fetched by SHA (protocol v2; GitHub serves any reachable
commit) into the repository's bare mirror under ``root`` and kept there as
``refs/validator/<sha>`` so ``git gc`` keeps them and the next push's fetch negotiates with
them: a push costs only its new objects. A job then works in a ``git clone --shared
--no-checkout`` of the mirror (the service reads git objects; it needs a non-bare repository),
removed afterwards.

The token (GitHub: the installation's; GitLab: ``GITLAB_TOKEN``) reaches git in one place
only: ``http.extraHeader`` set through ``GIT_CONFIG_COUNT`` / ``GIT_CONFIG_KEY_0`` /
``GIT_CONFIG_VALUE_0`` in the git process's environment, so it is never in an argument list
(``ps``), a URL, ``.git/config`` or a log. The header is HTTP Basic as each platform documents
it for git over HTTPS: GitHub's user ``x-access-token``; GitLab's user ``oauth2``, which GitLab
requires for OAuth tokens and accepts for personal, project and group access tokens (they take
"any non-blank value" as the user: https://docs.gitlab.com/user/project/settings/project_access_tokens/).

GitLab mirrors live apart from GitHub's, under ``gitlab/<host>/`` followed by the project's
full path (``group/subgroup/project.git``; subgroups nest): a GitHub mirror is always
``<owner>/<name>.git``, two levels deep, and no GitLab path segment or host may end in
``.git`` or ``.lock``, so the two never share a path or a lock file. A merge request's head is
fetched by SHA from the target project, where GitLab keeps a fork's commits too
(``refs/merge-requests/<iid>/head``); GitLab's Gitaly serves any SHA in a want
(``uploadpack.allowAnySHA1InWant``).
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

from validator.app.model import Platform
from validator.change.git import GIT_ENV, PINNED_CONFIG, git
from validator.errors import CommandError, ValidatorError
from validator.process import Command, run

__all__ = ["MirrorError", "Mirrors", "auth_header"]

_LOGGER = logging.getLogger(__name__)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: A GitLab namespace or project path segment (letters, digits, ``_``, ``-``, ``.``; not
#: starting with ``-`` or ``.``), and a host directory (``host`` or ``host_port``).
_GITLAB_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,254}")
_HOST_DIR = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}(_[0-9]{1,5})?")
#: Subgroups GitLab allows (20 levels) plus the top-level group and the project.
_MAX_SEGMENTS = 22
#: The user of the Basic header each platform's git over HTTPS takes a token with.
_GIT_USER = {Platform.GITHUB: "x-access-token", Platform.GITLAB: "oauth2"}
#: What the token is called in messages.
_TOKEN_NAME = {Platform.GITHUB: "installation token", Platform.GITLAB: "GITLAB_TOKEN"}
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

    def mirror_path(self, repository: str, *, platform: Platform = Platform.GITHUB,
                    clone_url: str = "") -> Path:
        """Where ``owner/name``'s mirror is (GitLab: ``group/.../project`` on ``clone_url``'s
        host); a :class:`MirrorError` for a name the platform would not give (a path must not
        come out of a payload unchecked)."""
        if platform is Platform.GITLAB:
            return self._gitlab_path(repository, clone_url)
        owner, _, name = repository.partition("/")
        for part in (owner, name):
            if not _NAME.fullmatch(part) or part.endswith((".git", ".lock")) or ".." in part:
                raise MirrorError(f"repository {repository!r}: not an owner/name GitHub allows")
        return self.root / owner.lower() / f"{name.lower()}.git"

    def _gitlab_path(self, repository: str, clone_url: str) -> Path:
        segments = repository.split("/")
        host = (urlsplit(clone_url).netloc.lower().rpartition("@")[2]).replace(":", "_")
        if not _HOST_DIR.fullmatch(host) or host.endswith((".git", ".lock")) or ".." in host:
            raise MirrorError(f"project {repository!r}: clone URL host {host!r} is not a host name")
        if not 2 <= len(segments) <= _MAX_SEGMENTS or any(
                not _GITLAB_SEGMENT.fullmatch(part) or part.endswith((".git", ".lock", ".atom"))
                or ".." in part for part in segments):
            raise MirrorError(f"project {repository!r}: not a group/project path GitLab allows")
        *groups, name = (part.lower() for part in segments)
        return self.root.joinpath("gitlab", host, *groups, f"{name}.git")

    @contextlib.contextmanager
    def checkout(self, repository: str, clone_url: str, token: str, shas: Sequence[str], *,
                 platform: Platform = Platform.GITHUB) -> Iterator[Path]:
        """A temporary non-bare clone of ``repository`` holding every commit of ``shas``."""
        for sha in shas:
            if not _SHA.fullmatch(sha):
                raise MirrorError(f"{repository}: {sha!r} is not a commit SHA")
        _check_url(repository, clone_url)
        mirror = self.mirror_path(repository, platform=platform, clone_url=clone_url)
        mirror.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="job-", dir=self._jobs()))
        try:
            with _locked(mirror.with_suffix(".lock")):  # held for the fetch and the clone only
                self._fetch(mirror, repository, clone_url, token, shas, platform=platform)
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
               shas: Sequence[str], *, platform: Platform) -> None:
        if not (mirror / "HEAD").is_file():
            shutil.rmtree(mirror, ignore_errors=True)  # an interrupted init
            git(mirror.parent, "init", "--quiet", "--bare", mirror.name)
        missing = [sha for sha in dict.fromkeys(shas) if not _has_commit(mirror, sha)]
        if not missing:
            return
        env = {**GIT_ENV, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
               "GIT_CONFIG_VALUE_0": auth_header(platform, token), "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
        refspecs = [f"+{sha}:refs/validator/{sha}" for sha in missing]
        command = Command(args=("git", *PINNED_CONFIG, *_FETCH_CONFIG, "fetch", "--quiet", "--no-tags",
                                "--no-write-fetch-head", clone_url, *refspecs),
                          cwd=mirror, env=env, timeout=self.timeout)
        try:
            run(command)
        except CommandError as err:
            why, refused = _git_reason(err.stderr, token, _TOKEN_NAME[platform])
            raise MirrorError(f"{repository}: could not fetch {', '.join(s[:12] for s in missing)} "
                              f"from {clone_url}: {why}", token_refused=refused) from None
        size = _size(mirror)
        if size > self.max_bytes:
            shutil.rmtree(mirror, ignore_errors=True)
            raise MirrorError(f"{repository}: the repository takes {size} bytes, more than the "
                              f"{self.max_bytes} allowed (GITOPS_VALIDATOR_MAX_REPOSITORY_BYTES); "
                              "its mirror was deleted")
        _LOGGER.info("%s: fetched %d commit(s); mirror %d bytes", repository, len(missing), size)


def auth_header(platform: Platform, token: str) -> str:
    """The ``Authorization`` header line git sends with ``token`` (see the module docstring)."""
    user = _GIT_USER[platform]
    return "Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def _check_url(repository: str, clone_url: str) -> None:
    parts = urlsplit(clone_url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise MirrorError(f"{repository}: clone URL {parts.scheme}://{parts.hostname}{parts.path} is "
                          "not an HTTPS URL without credentials")


def _has_commit(mirror: Path, sha: str) -> bool:
    probe = git(mirror, "cat-file", "-e", f"{sha}^{{commit}}", ok_codes=frozenset({0, 1, 128}))
    return probe.returncode == 0


def _git_reason(stderr: str, token: str, token_name: str) -> tuple[str, bool]:
    """git's last words (the token masked, should git ever echo it) and whether they say
    the credentials were refused."""
    lines = [line.strip().removeprefix("fatal: ").removeprefix("error: ")
             for line in stderr.splitlines() if line.strip()]
    text = "; ".join(lines[-2:]) or "git fetch failed"
    refused = any(words in text for words in ("terminal prompts disabled", "Authentication failed", " 401"))
    if refused:
        text = f"the server refused the {token_name} ({text})"
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



