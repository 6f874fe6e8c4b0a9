"""A GitOps repository with a pull request, built for real, and the adapter run on it as a
subprocess (``python -m validator action``) with the environment GitHub Actions sets."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.action import payloads
from tests.change.gitrepo import GIT_TEST_ENV, GitRepo
from validator.action.outputs import parse_output_file
from validator.process import Command, run

REPO_ROOT = Path(__file__).resolve().parents[2]
#: How the tests start the adapter (the console script ``gitops-validator action``, from this tree).
ACTION_COMMAND = (sys.executable, "-m", "validator", "action")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:{host_network}
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: {privileged}
            allowPrivilegeEscalation: false
"""


def deployment(name: str, *, privileged: bool = False, host_network: bool = False) -> str:
    """A Deployment whose one container is privileged or not (and whose pod shares the
    host's network or not)."""
    return DEPLOYMENT.format(name=name, privileged=str(privileged).lower(),
                             host_network="\n      hostNetwork: true" if host_network else "")


@dataclass(frozen=True, kw_only=True)
class ActionRun:
    """What one adapter run left behind."""

    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass(kw_only=True)
class Scenario:
    """A workspace (a clone of ``origin``) and the files GitHub Actions hands a step."""

    tmp: Path
    origin: GitRepo
    workspace: GitRepo
    inputs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, tmp: Path) -> Scenario:
        origin = GitRepo.init(tmp / "origin")
        origin.write("apps/web/deploy.yaml", deployment("web"))
        origin.write("apps/api/deploy.yaml", deployment("api"))
        origin.commit("base")
        workspace = GitRepo(root=tmp / "workspace")
        origin.git("clone", "-q", f"file://{origin.root}", str(workspace.root))
        return cls(tmp=tmp, origin=origin, workspace=workspace,
                   inputs={"INPUT_POLICY": "builtin", "INPUT_PATHS": "apps"})

    def push_branch(self, files: dict[str, str], message: str = "change") -> str:
        """Commit ``files`` on the workspace's ``feature`` branch and push it to origin."""
        current = self.workspace.git("rev-parse", "--abbrev-ref", "HEAD")
        if current != "feature":
            self.workspace.git("checkout", "-q", "-B", "feature")
        for path, text in files.items():
            self.workspace.write(path, text)
        sha = self.workspace.commit(message)
        self.workspace.git("push", "-q", "origin", "feature")
        return sha

    def main_sha(self) -> str:
        return self.origin.git("rev-parse", "main")

    def environment(self, event: str, payload: dict[str, Any], *, token: str = "", api_url: str = "",
                    extra: dict[str, str] | None = None) -> tuple[dict[str, str], Path, Path]:
        """The environment GitHub Actions gives the step; the output and summary files."""
        count = len(list(self.tmp.glob("event-*.json")))
        event_path = self.tmp / f"event-{count}.json"
        event_path.write_text(json.dumps(payload))
        output, summary = self.tmp / f"output-{count}", self.tmp / f"summary-{count}.md"
        (self.tmp / "home").mkdir(exist_ok=True)
        env = {
            **GIT_TEST_ENV,
            "HOME": str(self.tmp / "home"), "PATH": os.environ["PATH"],
            "PYTHONPATH": str(REPO_ROOT),
            "GITOPS_VALIDATOR_TOOLS_DIR": os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", ""),
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": "octo-org/gitops", "GITHUB_WORKSPACE": str(self.workspace.root),
            "GITHUB_SHA": self.workspace.git("rev-parse", "HEAD"),
            "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "99",
            **({"GITHUB_API_URL": api_url} if api_url else {}),
            **({"INPUT_GITHUB-TOKEN": token} if token else {}),
            **self.inputs, **(extra or {}),
        }
        return env, output, summary

    def run(self, event: str, payload: dict[str, Any], *, token: str = "", api_url: str = "",
            extra: dict[str, str] | None = None) -> ActionRun:
        """``python -m validator action`` as GitHub Actions would start it."""
        env, output, summary = self.environment(event, payload, token=token, api_url=api_url, extra=extra)
        result = run(Command(args=ACTION_COMMAND, cwd=self.workspace.root, env=env,
                             ok_codes=frozenset({0, 1, 2}), timeout=300))
        return ActionRun(exit_code=result.returncode, stdout=result.stdout.decode(),
                         stderr=result.stderr,
                         outputs=parse_output_file(output) if output.exists() else {},
                         summary=summary.read_text() if summary.exists() else "")

    def pull_request(self, action: str, *, head: str, base: str | None = None,
                     number: int = 7) -> dict[str, Any]:
        return payloads.pull_request(action, base=base or self.main_sha(), head=head, number=number)
