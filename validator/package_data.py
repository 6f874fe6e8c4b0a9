"""Files the package ships beside its code: the policy library, tools.lock, the config schema,
the bundled CRD schemas.

They live in ``validator/data/`` so that every way of installing the package has them:
a wheel installed by ``pip install gitops-validator`` holds copies, while in the
checkout (and an editable install) ``validator/data/policies``, ``tools.lock``,
``config.schema.json``, ``crds`` and ``crds-strict`` are links to the repository's
top-level ``policies/``, ``tools.lock``, ``schemas/config.schema.json``, ``schemas/crds/``
and ``schemas/crds-strict/``, the one committed copy of each.
They are found with :mod:`importlib.resources` and never relative to the source tree.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from validator.errors import UsageError


def data_resource(name: str) -> Traversable:
    """``validator/data/NAME`` wherever the package is installed, for reading its text."""
    return files("validator").joinpath("data", name)


def data_path(name: str) -> Path:
    """``validator/data/NAME`` as a real folder or file on disk (links resolved: opa and kubeconform
    take paths, and opa does not walk into a linked folder).

    :class:`UsageError` when the package is imported from an archive (a zipped wheel), where its
    files have no path of their own.
    """
    resource = data_resource(name)
    if not isinstance(resource, Path):
        raise UsageError(f"validator/data/{name} is inside an archive ({resource}); install "
                         "gitops-validator with pip so that its data files are on disk")
    return resource.resolve()
