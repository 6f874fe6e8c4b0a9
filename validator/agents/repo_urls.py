"""Which repository URLs name the checked repository (Argo CD ``repoURL``, Flux ``url``)."""

from __future__ import annotations

import re
from pathlib import Path

from validator.agents.model import AgentConfig

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!//).+)$")


def normalise(url: str) -> str:
    """``host/org/repo`` for every spelling of one repository URL: scheme, user, port-less
    scp form, trailing ``.git`` and slash and the host's case do not matter."""
    text = url.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
        text = text.rsplit("@", 1)[-1] if "@" in text.split("/", 1)[0] else text
    elif (scp := _SCP.match(text)) is not None:
        text = f"{scp['host']}/{scp['path']}"
    host, _, path = text.partition("/")
    path = path.strip("/").removesuffix(".git").strip("/")
    return f"{host.lower()}/{path}" if path else host.lower()


def own_repository_urls(root: Path, config: AgentConfig) -> frozenset[str]:
    """The normalised URLs of the repository at ``root``: those the configuration lists."""
    return frozenset(normalise(url) for url in config.repository_urls)
