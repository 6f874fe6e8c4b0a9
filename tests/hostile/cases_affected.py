"""Hostile cases about the files a target reads (its inputs): refused helmCharts whose chart
folder holds a named pipe or links out of the repository, or points outside it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.hostile.gallery import hostile

_CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"


def _write(folder: Path, path: str, text: str) -> None:
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(text)


@hostile("helm-charts-folder-with-pipe-and-escaping-links",
         expect=("render/kustomize-helm-refused",), forbidden=("root:x:0:0",))
def helm_charts_folder(folder: Path) -> None:
    """The chart folder is listed as the kustomization's inputs: never read a pipe, never
    follow a link out of the repository while listing or screening it."""
    _write(folder, "app/kustomization.yaml", "helmGlobals:\n  chartHome: ../vendor\n"
           "helmCharts:\n  - name: web\n    valuesFile: ../vendor/web/pipe.yaml\n")
    _write(folder, "vendor/web/Chart.yaml", _CHART)
    os.mkfifo(folder / "vendor" / "web" / "pipe.yaml")
    (folder / "vendor" / "web" / "passwd.yaml").symlink_to("/etc/passwd")
    (folder / "vendor" / "web" / "etc").symlink_to("/etc")


@hostile("helm-charts-home-outside-the-repository", expect=("render/kustomize-helm-refused",),
         forbidden=("root:x:0:0",))
def helm_charts_outside(folder: Path) -> None:
    """A chart home outside the checkout is never walked (``/`` with chart ``etc``)."""
    _write(folder, "app/kustomization.yaml", "helmGlobals:\n  chartHome: /\n"
           "helmCharts:\n  - name: etc\n    valuesFile: /etc/passwd\n"
           "  - name: proc\n    version: '1'\n")


@hostile("builtin-generator-config-names-a-file-outside", expect=("render/outside-repository",),
         forbidden=("root:x:0:0",))
def builtin_config_outside(folder: Path) -> None:
    """A builtin generator's own ``files`` leave the repository: refused on the entry's line,
    before kustomize runs, like the kustomization's own references."""
    _write(folder, "app/kustomization.yaml", "generators:\n  - gen.yaml\n")
    _write(folder, "app/gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\n"
           "metadata:\n  name: g\nfiles: [passwd=/etc/passwd]\n")
