"""Repositories for the agent tests: real git repositories whose remote is the URL the
Argo CD fixtures name, written in Argo CD's documented formats."""

from __future__ import annotations

import subprocess
from pathlib import Path

from validator.render import TargetPlan, discover_targets
from validator.render.targets import Target
from validator.repo_config import load_repo_config

#: The remote of the test repositories, and spellings Argo CD users write for it.
REMOTE = "git@github.com:acme/gitops.git"
HTTPS = "https://github.com/acme/gitops.git"
OTHER = "https://github.com/acme/other-repo.git"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: guestbook}
  template:
    metadata:
      labels: {app: guestbook}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image }}"
"""


def write(root: Path, path: str, text: str) -> Path:
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


def git_repo(root: Path, remote: str = REMOTE) -> Path:
    """``root`` as a git repository with ``origin`` at ``remote`` (no commits needed)."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    if remote:
        subprocess.run(["git", "-C", str(root), "remote", "add", "origin", remote], check=True)
    return root


def chart(root: Path, folder: str = "charts/guestbook") -> None:
    """A chart whose Deployment takes its replicas and image from the values."""
    write(root, f"{folder}/Chart.yaml", "apiVersion: v2\nname: guestbook\nversion: 0.1.0\n")
    write(root, f"{folder}/values.yaml", "replicaCount: 1\nimage: nginx:1.27\n")
    write(root, f"{folder}/templates/deployment.yaml", DEPLOYMENT)


def application(name: str, spec: str, *, namespace: str = "argocd") -> str:
    """An Application manifest; ``spec`` is the YAML under ``spec:``, indented two spaces."""
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\nspec:\n{spec}")


def plan(root: Path) -> TargetPlan:
    return discover_targets(root, [root], load_repo_config(root))


def agent_targets(result: TargetPlan) -> dict[str, Target]:
    return {t.name: t for t in result.targets if t.agent is not None}
