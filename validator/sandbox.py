"""What a sandboxed child sets up before ``exec``: a memory bound, no network, death with us.

:mod:`validator.process` runs :func:`child_setup` in every child between ``fork`` and
``exec`` (so it must only make system calls: no locks, no imports):

- **death with the validator**: ``PR_SET_PDEATHSIG`` = SIGKILL, then a check that the
  parent did not already die in between. Linux ties the signal to the *thread* that
  forked, which is why :func:`validator.process.run` waits for its child in the thread
  that started it and long-lived servers are started by the thread that stops them.
- **memory**: ``RLIMIT_DATA`` bounds the private writable memory the process commits
  (Go's heap and stacks: what becomes resident), and ``RLIMIT_AS`` a generous multiple
  above it catches anything else. ``RLIMIT_AS`` alone cannot bound a Go program well:
  the runtime reserves about 750 MB of address space at start-up, so helm, kustomize,
  opa and kubeconform need 730-800 MB of address space to print their version, but
  only 80-90 MB of data. A tool that crosses the data limit fails its allocation and
  dies with ``fatal error: runtime: out of memory`` (see :func:`out_of_memory`).
- **network**: a new, empty network namespace (``unshare(CLONE_NEWNET)``; not even
  loopback is up in it), or, without root, a user namespace with one as well.
  :func:`validator.process.network_isolation` finds out once which the kernel allows.
"""

from __future__ import annotations

import ctypes
import enum
import functools
import os
import re
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass

from validator.errors import UsageError

#: Default bound on every render's (and OPA's) data memory: two renders and OPA at once
#: stay within a 7 GB CI runner.
DEFAULT_MEMORY_LIMIT = 1536 * 1024**2

#: Address space allowed above the data limit: Go reserves ~750 MB of it at start-up.
ADDRESS_SPACE_HEADROOM = 2 * 1024**3

#: Smallest limit accepted: below about 100 MB the Go tools cannot even start.
MIN_MEMORY_LIMIT = 128 * 1024**2

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1


class NetworkIsolation(enum.Enum):
    """How a child is kept off the network."""

    NETNS = "network namespace"
    """A new network namespace (needs root or CAP_SYS_ADMIN)."""
    USERNS = "user and network namespace"
    """A new user namespace holding a new network namespace (unprivileged)."""
    NONE = "proxy variables only"
    """The kernel refuses both: only proxy settings that lead nowhere (weak)."""

    @property
    def clone_flags(self) -> int:
        """The ``unshare`` flags of this mode (0 for none)."""
        match self:
            case NetworkIsolation.NETNS:
                return _CLONE_NEWNET
            case NetworkIsolation.USERNS:
                return _CLONE_NEWUSER | _CLONE_NEWNET
            case NetworkIsolation.NONE:
                return 0


#: Added to the environment when no namespace is possible: HTTP clients that honour proxy
#: variables (Go's do, except for loopback hosts) are sent to a port nothing listens on.
DEAD_PROXY_ENV = dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
                                "https_proxy", "all_proxy"), "http://0.0.0.0:9") | {
    "NO_PROXY": "", "no_proxy": ""}


@dataclass(frozen=True, kw_only=True)
class ChildSetup:
    """What :func:`child_setup` does in one child."""

    parent_pid: int
    """Our pid when the child was forked (the child exits if its parent changed)."""
    memory_limit: int | None
    """Data limit in bytes, or None for no bound."""
    unshare_flags: int
    """``CLONE_*`` flags for ``unshare`` (0: none)."""
    uid: int
    gid: int


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library already loaded in this process, looked up before any fork."""
    if sys.platform != "linux":
        return None
    return ctypes.CDLL(None, use_errno=True)


def _within_ours(kind: int, wanted: int) -> int:
    """``wanted``, or the lower hard limit this process already has (raising one fails)."""
    hard = resource.getrlimit(kind)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def child_setup(setup: ChildSetup) -> Callable[[], None]:
    """The function :mod:`subprocess` runs in the child before ``exec``."""
    libc = _libc()
    prctl = libc.prctl if libc is not None else None
    unshare = libc.unshare if libc is not None else None
    limits = [] if setup.memory_limit is None else [
        (kind, _within_ours(kind, setup.memory_limit + extra))
        for kind, extra in ((resource.RLIMIT_DATA, 0),
                            (resource.RLIMIT_AS, ADDRESS_SPACE_HEADROOM))]

    def in_child() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != setup.parent_pid:  # the parent died before prctl
                os._exit(1)
        for kind, limit in limits:
            resource.setrlimit(kind, (limit, limit))
        if setup.unshare_flags and unshare is not None:
            if unshare(setup.unshare_flags) != 0:
                raise OSError(ctypes.get_errno(), "unshare failed")
            if setup.unshare_flags & _CLONE_NEWUSER:
                _map_ids(setup.uid, setup.gid)

    return in_child


def _map_ids(uid: int, gid: int) -> None:
    """Map the child's own uid/gid into its new user namespace (files stay writable)."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def candidate_isolations() -> tuple[NetworkIsolation, ...]:
    """The namespace modes worth trying here, best first."""
    if sys.platform != "linux":
        return ()
    return ((NetworkIsolation.NETNS,) if os.geteuid() == 0 else ()) + (NetworkIsolation.USERNS,)


#: Phrases Go (and the C library) print when an allocation fails under a limit.
_OUT_OF_MEMORY = re.compile(r"out of memory|cannot allocate memory|failed to reserve|"
                            r"mmap.* errno=12|std::bad_alloc|MemoryError", re.IGNORECASE)


#: A Go program faulting inside the runtime's memory manager (not a ``panic`` of its own code):
#: under an rlimit an allocation inside the garbage collector can fail that way (seen with OPA
#: built by Go 1.26) instead of printing "out of memory".
_GO_MEMORY_FAULT = re.compile(r"^SIGSEGV: segmentation violation\n(?:.*\n){0,4}?"
                              r"\s*runtime/(?:mgc|mheap|malloc|mbitmap|mcache|mcentral|mem_|"
                              r"arena|mpage)", re.MULTILINE)


def out_of_memory(stderr: str) -> bool:
    """Whether a process with a memory limit was stopped by it: under an rlimit an
    allocation fails and Go prints ``fatal error: runtime: out of memory`` (or faults in its
    memory manager). (A SIGKILL is not taken as one: with rlimits it comes from someone
    else.)"""
    return bool(_OUT_OF_MEMORY.search(stderr) or _GO_MEMORY_FAULT.search(stderr))


_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4,
          "ki": 1024, "mi": 1024**2, "gi": 1024**3, "ti": 1024**4}


def parse_size(text: str) -> int:
    """``"1.5GiB"``, ``"512MiB"``, ``"2G"`` or a number of bytes, as bytes."""
    match = _SIZE.match(str(text))
    if match is None:
        raise UsageError(f"memory limit {text!r}: expected a size such as 1.5GiB, 512MiB or 2G")
    unit = (match.group("unit") or "").lower().removesuffix("b")
    size = int(float(match.group("number")) * _UNITS[unit])
    if size < MIN_MEMORY_LIMIT:
        raise UsageError(f"memory limit {text!r} is below {format_size(MIN_MEMORY_LIMIT)}: "
                         "helm, kustomize and opa cannot start with less")
    return size


def format_size(size: int) -> str:
    """Bytes as the largest binary unit that keeps it short (``1.5 GiB``, ``512 MiB``)."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}"
    return f"{size} B"
