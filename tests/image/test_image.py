"""The image checks a repository with no network, as a non-root user, with the pinned tools.

The reference for every verdict is the same command run on the host from the checkout
(the package and tools ``make setup`` installed): the image must not change a finding.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.image.container import WORKSPACE, Container, Mount

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
HOST_CLI = Path(sys.executable).parent / "gitops-validator"

pytestmark = pytest.mark.image


def pinned_tools() -> dict[str, str]:
    """``{name: version}`` of tools.lock (the versions the image must bundle)."""
    pins = {}
    for line in (ROOT / "tools.lock").read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 3:
            pins[fields[0]] = fields[2]
    return pins


def host_check(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """``gitops-validator check . -o json ARGS`` on the host, in ``root``."""
    done = subprocess.run([str(HOST_CLI), "check", ".", "-o", "json", *args], cwd=root,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A copy of examples/ owned by root (not by the image's user), as a mounted workspace."""
    repo = tmp_path / "examples"
    shutil.copytree(EXAMPLES, repo, symlinks=True)
    return repo


def test_image_runs_as_a_non_root_user(container: Container) -> None:
    done = container.run(["-c", "id -u; id -g; touch /opt/tools/x 2>/dev/null || echo read-only"],
                         entrypoint="/bin/sh")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1001", "1001", "read-only"]
    config = container.config()
    assert config["User"] == "1001:1001"
    assert config["Entrypoint"] == ["gitops-validator", "action"]


def test_image_bundles_the_pinned_tools(container: Container) -> None:
    done = container.run(["version"], entrypoint="gitops-validator")
    assert done.returncode == 0, done.stderr
    reported = {fields[0]: fields[1:] for fields in map(str.split, done.stdout.splitlines()[1:])}
    for name, version in pinned_tools().items():
        assert reported[name][0].lstrip("v") == version.lstrip("v"), done.stdout
        assert reported[name][1] == f"/opt/tools/{name}"


def test_image_runs_the_library_tests_from_the_installed_wheel(container: Container) -> None:
    """The package is a wheel installed in /opt/venv: the policy library is its package data."""
    done = container.run(["-c", "test ! -e /opt/gitops-validator && cd /tmp && "
                          "gitops-validator policy test builtin --coverage-threshold 100"],
                         entrypoint="/bin/sh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed, 0 failed, 0 errored" in done.stdout


@pytest.mark.parametrize("engine", ["builtin", "kubeconform"])
def test_check_without_network_finds_what_the_host_finds(container: Container, example_repo: Path,
                                                         engine: str) -> None:
    """helm, kustomize, OPA and the schemas (kubeconform's too) need nothing from the network."""
    args = ["--schema-engine", engine]
    host_code, host = host_check(example_repo, *args)
    done = container.run(["check", ".", "-o", "json", *args], entrypoint="gitops-validator",
                         network="none", mounts=[Mount(source=example_repo, target=WORKSPACE,
                                                       read_only=True)])
    assert done.returncode == host_code == 1, done.stderr
    image = json.loads(done.stdout)
    assert image["summary"] == host["summary"]
    assert image["findings"] == host["findings"]
    assert image["skipped"] == host["skipped"]  # no "renders ran without network isolation" either
    by_stage = {(f["path"], f["line"], f["rule_id"]) for f in image["findings"]}
    assert ("apps/helm-chart/values-prod.yaml", 5, "K8S-009") in by_stage  # rendered by helm
    assert ("apps/kustomize-app/overlays/prod/debug-access.yaml", 13, "K8S-001") in by_stage  # kustomize
    assert ("apps/crontab/crontabs.yaml", 19, "schema/minimum") in by_stage  # a CRD's schema
    assert ("apps/broken/worker.yaml", 12, "schema/type") in by_stage  # a Kubernetes schema
    assert image["summary"]["errors"] >= 10


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_git_trusts_the_workspace_owned_by_another_user(container: Container, tmp_path: Path) -> None:
    """On self-hosted runners the workspace may not belong to uid 1001; git must still read it."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.yaml").write_text("kind: ConfigMap\n")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    assert repo.stat().st_uid != 1001
    head = git(repo, "rev-parse", "HEAD")
    trusted = container.run(["-C", WORKSPACE, "rev-parse", "HEAD"], entrypoint="git",
                            mounts=[Mount(source=repo, target=WORKSPACE, read_only=True)])
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.strip() == head
    # Elsewhere git's ownership check still applies: the setting is what makes the workspace work.
    elsewhere = container.run(["-C", "/mnt/repo", "rev-parse", "HEAD"], entrypoint="git",
                              mounts=[Mount(source=repo, target="/mnt/repo", read_only=True)])
    assert elsewhere.returncode != 0
    assert "dubious ownership" in elsewhere.stderr
