"""Which repository URLs name the checked repository (Argo CD ``repoURL``, Flux ``url``).

An agent object renders from "this repository" when its URL, in any spelling (https,
ssh, scp form, with or without ``.git``), names one of the checkout's git remotes or a
URL the configuration lists (``repository_urls:``). A snapshot without ``.git`` (the
revisions ``diff`` writes) has no remotes of its own: ``diff`` passes the working
repository's remotes through the configuration (:func:`with_remote_urls`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from validator.agents.model import AgentConfig
from validator.errors import ValidatorError

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!//).+)$")


def normalise(url: str) -> str:
    """``host/org/repo`` for every spelling of one repository URL: scheme, user, port, scp
    form, trailing ``.git`` and slash and case do not matter (Argo CD compares URLs in
    lower case too)."""
    text = url.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
        text = text.rsplit("@", 1)[-1] if "@" in text.split("/", 1)[0] else text
    elif (scp := _SCP.match(text)) is not None:
        text = f"{scp['host']}/{scp['path']}"
    host, _, path = text.partition("/")
    host = host.rsplit(":", 1)[0] if host.rpartition(":")[2].isdigit() else host
    path = path.strip("/").removesuffix(".git").strip("/")
    return f"{host}/{path}" if path else host


def git_remote_urls(folder: Path) -> tuple[str, ...]:
    """The URLs of the git remotes of the repository holding ``folder`` (its own
    configuration only: ``--local``); none when ``folder`` is not in a git repository or
    git cannot tell."""
    from validator.change.git import git  # noqa: PLC0415 - git only when an agent object asks

    try:
        result = git(folder, "config", "--local", "--get-regexp", r"^remote\..*\.url$",
                     ok_codes=frozenset({0, 1}), timeout=30.0)
    except (ValidatorError, OSError):
        return ()
    urls = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        _, _, url = line.partition(" ")
        if url.strip():
            urls.append(url.strip())
    return tuple(urls)


def own_repository_urls(root: Path, config: AgentConfig) -> frozenset[str]:
    """The normalised URLs of the repository at ``root``: those the configuration lists
    and the remotes of the git repository that holds ``root`` (if any)."""
    urls = (*config.repository_urls, *(git_remote_urls(root) if root.is_dir() else ()))
    return frozenset(normalise(url) for url in urls if url.strip())


def with_remote_urls(config: AgentConfig, folder: Path) -> AgentConfig:
    """``config`` also listing the remotes of the repository holding ``folder`` (``diff``:
    its revisions are snapshots without ``.git``)."""
    remotes = tuple(url for url in git_remote_urls(folder) if url not in config.repository_urls)
    return replace(config, repository_urls=config.repository_urls + remotes) if remotes else config
