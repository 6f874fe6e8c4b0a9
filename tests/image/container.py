"""Running the image under test with podman, as scripts/image-test.sh set it up.

``GITOPS_VALIDATOR_IMAGE`` names the image; ``CONTAINERS_CONF`` (set by the script)
turns off the default ulimits this machine's kernel refuses. Containers run with
``runc`` and the cgroupfs manager (see docs/container.md). Each run is a plain
``podman run --rm``: mounts and network are the caller's choice, as a GitHub runner's.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Where GitHub mounts the workspace of a container action.
WORKSPACE = "/github/workspace"


@dataclass(frozen=True, kw_only=True)
class Mount:
    """A host path seen inside the container."""

    source: Path
    target: str
    read_only: bool = False

    def flag(self) -> str:
        """The ``-v`` argument."""
        return f"{self.source}:{self.target}" + (":ro" if self.read_only else "")


@dataclass(frozen=True, kw_only=True)
class Container:
    """One image, run with podman."""

    image: str
    podman: tuple[str, ...] = ("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs")

    @classmethod
    def from_environment(cls) -> Container:
        """The image scripts/image-test.sh built (``GITOPS_VALIDATOR_IMAGE``)."""
        return cls(image=os.environ["GITOPS_VALIDATOR_IMAGE"])

    def run(self, args: Sequence[str], *, entrypoint: str | None = None, network: str = "none",
            mounts: Sequence[Mount] = (), env: Mapping[str, str] | None = None,
            workdir: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``podman run --rm`` the image with ``args``; never raises on a non-zero exit.

        ``entrypoint`` replaces the image's (``gitops-validator action``) as
        ``docker run --entrypoint`` does; ``network="none"`` gives the container
        loopback only.
        """
        command = [*self.podman, "run", "--rm", "--network", network]
        if entrypoint is not None:
            command += ["--entrypoint", entrypoint]
        if workdir is not None:
            command += ["--workdir", workdir]
        for mount in mounts:
            command += ["-v", mount.flag()]
        for name, value in (env or {}).items():
            command += ["-e", f"{name}={value}"]
        command += [self.image, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def config(self) -> dict[str, Any]:
        """The image's configuration (``Config`` of ``podman image inspect``)."""
        out = subprocess.run([*self.podman, "image", "inspect", self.image], capture_output=True,
                             text=True, timeout=60, check=True).stdout
        config: dict[str, Any] = json.loads(out)[0]["Config"]
        return config
