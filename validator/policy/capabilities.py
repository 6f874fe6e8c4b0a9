"""The OPA capabilities policies are compiled with: no network builtins unless allowed.

Policies are trusted, but a policy that calls ``http.send`` makes every run depend on
(and talk to) a server, and a runaway one could be made to fetch for a change. So the
local OPA server is started with ``--capabilities``: the running OPA's own list
(``opa capabilities --current``) minus :data:`NETWORK_BUILTINS`, and with an empty
``allow_net`` (no host may be reached even by a builtin we did not know of). A policy
calling one of them is then a compile error naming its file and line.
``PolicySettings.allow_network`` (``--policy-network``) restores the full list.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from validator import process
from validator.errors import CommandError, PolicyError
from validator.tools import Tool, require_tool

#: Builtins that reach the network.
NETWORK_BUILTINS = frozenset({"http.send", "net.lookup_ip_addr"})

#: What to tell the author of a policy that uses one of them.
NETWORK_HINT = ("network builtins (http.send, net.lookup_ip_addr) are off for policies; "
                "allow them with --policy-network")


@functools.cache
def _current(opa: Path) -> str:
    try:
        return process.run(process.Command(args=(str(opa), "capabilities", "--current"),
                                           timeout=60)).stdout.decode()
    except CommandError as exc:
        raise PolicyError(f"cannot read OPA's capabilities: {exc}") from exc


def capabilities_json(*, allow_network: bool, opa: Path | None = None) -> str:
    """The capabilities document for a run (``allow_network``: unchanged)."""
    capabilities = json.loads(_current(opa or require_tool(Tool.OPA)))
    if not allow_network:
        capabilities["builtins"] = [b for b in capabilities.get("builtins", [])
                                    if b.get("name") not in NETWORK_BUILTINS]
        capabilities["allow_net"] = []
    return json.dumps(capabilities)


def uses_network_builtin(error: str) -> bool:
    """Whether an OPA compile error is about one of :data:`NETWORK_BUILTINS`."""
    return "undefined function" in error and any(name in error for name in NETWORK_BUILTINS)
