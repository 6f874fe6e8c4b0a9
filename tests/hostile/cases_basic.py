"""Hostile cases the local core already handled before the safety issue: kept as regressions."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.gallery import hostile, listener_url


@hostile("billion-laughs", expect=("load/limit",))
def billion_laughs(folder: Path) -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: lol}", "data:",
             '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        prev = f"*a{level - 1}"
        lines.append(f"  a{level}: &a{level} [{', '.join([prev] * 9)}]")
    (folder / "bomb.yaml").write_text("\n".join(lines) + "\n")


@hostile("symlink-out-of-repository", expect=("render/symlink-escape",), forbidden=("root:x:0:0",))
def symlink_out(folder: Path) -> None:
    (folder / "passwd.yaml").symlink_to("/etc/passwd")


@hostile("remote-kustomize-base", expect=("render/remote-resource",))
def remote_base(folder: Path) -> None:
    (folder / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n")


@hostile("remote-kustomize-base-on-the-listener", expect=("render/remote-resource",))
def remote_base_listener(folder: Path) -> None:
    """A remote base that is reachable (the gallery's listener): still never fetched."""
    (folder / "kustomization.yaml").write_text(f"resources:\n  - {listener_url()}/base.yaml\n")
