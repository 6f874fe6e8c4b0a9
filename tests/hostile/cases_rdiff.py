"""Hostile content for the render cache: what its key computation reads must not hang or loop.

The cache key hashes every file under a chart folder and under each kustomization folder
(symlinked folders inside the repository followed): a folder that links to itself, or a
named pipe that blocks whoever opens it, must neither hang the run nor hide the findings.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.hostile.gallery import hostile

#: A ConfigMap whose data value is a number: a schema finding under the case folder.
BAD_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cached
data:
  count: 3
"""


@hostile("render-cache-symlink-loop", expect=("schema/type",))
def symlink_loop(folder: Path) -> None:
    """A kustomization folder holding links back to itself and to its parent."""
    overlay = folder / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n")
    (overlay / "cm.yaml").write_text(BAD_CONFIGMAP)
    (overlay / "self").symlink_to(".")
    (overlay / "parent").symlink_to("..")


@hostile("render-cache-fifo-in-chart", expect=("render/input-not-a-file",))
def fifo_in_chart(folder: Path) -> None:
    """A chart with a named pipe among its files (opening it would block forever); helm
    refuses the irregular file, and the cache key never opens it."""
    chart = folder / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: piped\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("{}\n")
    (chart / "templates" / "cm.yaml").write_text(BAD_CONFIGMAP)
    (chart / "files").mkdir()
    os.mkfifo(chart / "files" / "pipe")
