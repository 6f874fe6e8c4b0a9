"""Hostile cases about what gets rendered: cycles, inline plugins, pipes, a stray root kustomization."""

from __future__ import annotations

import os
from pathlib import Path

from tests.hostile.gallery import hostile

_CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: gallery\n"


def _write(folder: Path, path: str, text: str) -> None:
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(text)


@hostile("kustomization-includes-itself")
def self_including(folder: Path) -> None:
    _write(folder, "app/deploy.yaml", _CM.format(name="self"))
    _write(folder, "app/kustomization.yaml", "resources:\n  - deploy.yaml\n  - ../app\n")


@hostile("kustomizations-include-each-other")
def mutual_cycle(folder: Path) -> None:
    for here, there in (("a", "b"), ("b", "a")):
        _write(folder, f"{here}/cm.yaml", _CM.format(name=here))
        _write(folder, f"{here}/kustomization.yaml", f"resources:\n  - cm.yaml\n  - ../{there}\n")


@hostile("kustomization-cycle-of-300")
def long_cycle(folder: Path) -> None:
    """A chain long enough to break a recursive walk, closed into a cycle."""
    count = 300
    for i in range(count):
        _write(folder, f"k{i}/kustomization.yaml", f"resources:\n  - ../k{(i + 1) % count}\n")


@hostile("inline-exec-plugin")
def inline_plugin(folder: Path) -> None:
    _write(folder, "kustomization.yaml", """\
generators:
  - |-
    apiVersion: example.com/v1
    kind: RunAnything
    metadata:
      name: x
      annotations:
        config.kubernetes.io/function: |
          exec:
            path: /bin/sh
""")


@hostile("named-pipe-manifest")
def named_pipe(folder: Path) -> None:
    """Opening a pipe with no writer blocks for ever: it must never be read."""
    os.mkfifo(folder / "pipe.yaml")
    _write(folder, "app/kustomization.yaml", "resources:\n  - pipe.yaml\n")
    os.mkfifo(folder / "app" / "pipe.yaml")


@hostile("root-kustomization-referencing-nothing", expect=("schema/type",))
def root_kustomization(folder: Path) -> None:
    """A kustomization at the repository root must not make the files below it "not applied"
    (written one level up, at the gallery repository's root, on purpose): a broken manifest
    in the case folder is still checked."""
    (folder.parent / "kustomization.yaml").write_text("resources: []\n")
    _write(folder, "broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n"
                                  "data: [not, a, map]\n")


@hostile("agent-object-paths-outside-the-repository")
def agent_paths_outside(folder: Path) -> None:
    _write(folder, "apps.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: escape
spec:
  source:
    path: ../../../../../etc
  sources:
    - path: /proc/self
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: escape
spec:
  path: ../..
""")
