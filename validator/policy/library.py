"""The bundled policy library, selected by name: ``policies: [builtin]`` or ``--policy builtin``.

A new user should not need to know where the library lives or how its packages are
called: the name ``builtin`` stands for the project's ``policies/`` folder (shipped in the
package as ``validator/data/policies``, see :mod:`validator.package_data`), and when
no namespace is chosen the library's packages (``k8s.*``) are evaluated, beside
``main`` when the run has policies of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from validator.errors import UsageError
from validator.package_data import data_path

#: The name that stands for the bundled library among policy folders.
BUILTIN = "builtin"
#: The library's packages.
BUILTIN_NAMESPACES = ("k8s.*",)


def is_builtin(value: str | Path) -> bool:
    """Whether a policy folder setting names the bundled library."""
    return str(value) == BUILTIN


def library_dir() -> Path:
    """The bundled library's folder; :class:`UsageError` when this installation lacks it."""
    folder = data_path("policies")
    if not (folder / "k8s").is_dir():
        raise UsageError(f"the bundled policy library ({BUILTIN}) is not installed here: "
                         f"{folder / 'k8s'} is missing")
    return folder


def default_namespaces(values: Sequence[str | Path]) -> tuple[str, ...]:
    """The packages evaluated when none are chosen: ``main``, and the library's with ``builtin``."""
    if not any(is_builtin(value) for value in values):
        return ("main",)
    own = any(not is_builtin(value) for value in values)
    return (("main",) if own else ()) + BUILTIN_NAMESPACES
