"""Hostile inputs of the change area: what a revision materialised from git can hold.

A materialised revision is written byte for byte from git objects (see
``validator/change/snapshot.py``): file names with quotes, tabs, newlines, leading
dashes and non-UTF-8 bytes arrive as they were committed, and Git LFS files arrive as
pointer files (nothing is fetched). Each must still be checked or reported, never lost.
"""

from __future__ import annotations

from pathlib import Path

from tests.hostile.gallery import hostile

_BAD_REPLICAS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: gallery
spec:
  replicas: "many"
  selector: {{matchLabels: {{app: odd}}}}
  template:
    metadata: {{labels: {{app: odd}}}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""

#: Names git keeps as they are and quotes in its text output; bytes for the non-UTF-8 one.
ODD_NAMES: tuple[bytes, ...] = (
    b'quo"te.yaml', b"tab\there.yaml", b"new\nline.yaml", b"--output=x.yaml", b"-rf.yaml",
    b"back\\slash.yaml", b"with space.yaml", b"latin1-\xe9.yaml", b"\xff\xfe.yaml",
)


@hostile("change-odd-file-names", expect=("schema/type",))
def odd_file_names(folder: Path) -> None:
    for number, name in enumerate(ODD_NAMES):
        path = folder / name.decode("utf-8", "surrogateescape")
        path.write_text(_BAD_REPLICAS.format(name=f"odd-{number}"))


@hostile("change-lfs-pointer-manifest")
def lfs_pointer(folder: Path) -> None:
    """A manifest stored in Git LFS, materialised as its pointer file."""
    (folder / "deployment.yaml").write_bytes(
        b"version https://git-lfs.github.com/spec/v1\n"
        b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")


#: What actions/checkout leaves in ``.git/config`` (``persist-credentials``), with a fake token.
GIT_CONFIG_WITH_TOKEN = """\
[core]
\trepositoryformatversion = 0
[http "https://github.com/"]
\textraheader = AUTHORIZATION: basic Z2hzX2Zha2VUb2tlbkZvclRoZUdhbGxlcnk=
"""


@hostile("change-symlink-into-dot-git", forbidden=("Z2hzX2Zha2VUb2tlbkZvclRoZUdhbGxlcnk",))
def symlink_into_git(folder: Path) -> None:
    """A manifest that is a symlink to the checkout's ``.git/config`` (where CI keeps its token)."""
    git_dir = folder.parent / ".git"
    git_dir.mkdir(exist_ok=True)
    (git_dir / "config").write_text(GIT_CONFIG_WITH_TOKEN)
    (folder / "config.yaml").symlink_to("../.git/config")
    (folder / "kustomization.yaml").write_text("resources:\n  - ../.git/config\n")
